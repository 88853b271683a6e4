"""webhooks.deliver: POST one recorded delivery, signed; retry with exponential backoff."""

from __future__ import annotations

import logging
import uuid

import httpx

from tonearm.catalog.models import Organization
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.webhooks.signing import HEADER, sign
from tonearm.wire import dumps

log = logging.getLogger("tonearm.webhooks")


def backoff(settings, attempt: int) -> float:
    return settings.webhook_retry_base_seconds * (2 ** (attempt - 1))


def deliver(rt: Runtime, delivery_id: str) -> None:
    settings = rt.settings
    with rt.unit() as db:
        row = db.get(WebhookDelivery, uuid.UUID(delivery_id))
        if row is None or row.status != DeliveryStatus.PENDING:
            return
        org = db.get(Organization, row.organization_id)
        secret = (org.webhook_secret if org else None) or ""
        body = dumps(row.payload)
        url, event, attempt = row.url, row.event, row.attempts + 1
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tonearm-Webhooks/1",
        "X-ADN-Event": event,
        "X-Tonearm-Delivery": delivery_id,
        HEADER: sign(secret, body),
    }
    status_code, error = None, None
    try:
        resp = httpx.post(url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds,
                          follow_redirects=False)
        status_code = resp.status_code
        if not 200 <= resp.status_code < 300:
            error = f"HTTP {resp.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    retry = None
    with rt.unit() as db:
        row = db.get(WebhookDelivery, uuid.UUID(delivery_id))
        if row is None:
            return
        row.attempts = attempt
        row.last_status_code = status_code
        row.last_error = error
        if error is None:
            row.status = DeliveryStatus.DELIVERED
        elif attempt >= settings.webhook_max_attempts:
            row.status = DeliveryStatus.FAILED
        else:
            retry = backoff(settings, attempt)
            row.next_attempt_at = utcnow()
    if error:
        log.warning("webhook %s to %s failed (attempt %s): %s", event, url, attempt, error)
    if retry is not None:
        rt.enqueue("webhooks.deliver", delivery_id, delay=retry)


JOBS = {"webhooks.deliver": deliver}
