"""Delivery rows for the outbox tests, written and read straight in the database."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from sqlalchemy import update

from tonearm import models  # noqa: F401  (every table, for the foreign keys)
from tonearm.db.session import session_scope
from tonearm.webhooks.models import WebhookDelivery

FIELDS = ("status", "attempts", "last_status_code", "last_error", "next_attempt_at", "last_attempt_at",
          "delivered_at", "track_id", "created_at", "url")


def add_row(settings, org_id, url: str, *, status: str = "pending", **fields) -> str:
    with session_scope(settings.database_url) as db:
        row = WebhookDelivery(id=uuid.uuid4(), organization_id=org_id, event="track.status_changed", url=url,
                              payload={"event": "track.status_changed", "n": 1}, status=status, **fields)
        db.add(row)
        return str(row.id)


def read_row(settings, delivery_id: str) -> SimpleNamespace:
    with session_scope(settings.database_url) as db:
        row = db.get(WebhookDelivery, uuid.UUID(delivery_id))
        return SimpleNamespace(**{f: getattr(row, f) for f in FIELDS})


def set_row(settings, delivery_id: str, **values) -> None:
    with session_scope(settings.database_url) as db:
        db.execute(update(WebhookDelivery).where(WebhookDelivery.id == uuid.UUID(delivery_id)).values(**values))


def ago(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
