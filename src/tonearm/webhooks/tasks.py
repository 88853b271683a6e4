"""Webhook job bodies. The delivery row is the truth (outbox.py); these only say when to look.

webhooks.deliver   a delivery was recorded or redelivered, or its retry is due: hand it to the
                   sender now (low latency). A lost message costs nothing but that latency.
webhooks.sweep     (periodic, every reap interval) hand every due delivery to the sender,
                   whatever the queue remembers: queue wipes, lost messages, refused enqueues,
                   workers killed mid-send (their lease expires).

Neither POSTs on the calling thread unless the queue runs bodies inline (sender.py).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tonearm.jobs.runtime import Runtime
from tonearm.webhooks import collections, outbox, sender
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.webhooks.sender import unavailable

log = logging.getLogger("tonearm.webhooks")


def deliver(rt: Runtime, delivery_id: str) -> None:
    try:
        with rt.unit() as db:
            url = db.scalar(select(WebhookDelivery.url).where(
                WebhookDelivery.id == uuid.UUID(delivery_id),
                WebhookDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING))))
    except OperationalError as exc:  # database away: the row is still due, the sweep sends it
        log.warning("webhooks.deliver %s skipped: %s", delivery_id, unavailable(exc))
        return
    if url is not None:
        sender.dispatch(rt, delivery_id, url, due_only=False)


def sweep(rt: Runtime) -> None:
    try:
        with rt.unit() as db:
            rows = outbox.due(db)
    except OperationalError as exc:  # database away (restart, failover): the next sweep catches up
        log.warning("webhooks.sweep skipped: %s", unavailable(exc))
        return
    for delivery_id, url in rows:
        sender.dispatch(rt, str(delivery_id), url, due_only=True)


JOBS = {"webhooks.deliver": deliver}
PERIODIC = {"webhooks.sweep": sweep}
EVENTS = collections.EVENTS  # recorders of the changes other stages report (Runtime.emit)
