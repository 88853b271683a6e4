"""Collection Sync webhook: `collection.created`, `collection.updated`, `collection.deleted` to the
organization's `webhook_url`, recorded as outbox rows in the transaction that changes the collection.

The catalog reports the change through `Runtime.emit` (it sits below this stage); these recorders
are bound by the task table (tonearm/tasks.py). The payload follows the track events' style:
the ids at the top, the collection as `GET /v1/collection/{id}` shows it, and for an update the
names of the fields that changed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tonearm.catalog.events import CollectionEvent
from tonearm.catalog.models import Collection, Organization
from tonearm.catalog.schemas import collection_out
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime
from tonearm.webhooks.service import add
from tonearm.wire import iso

IGNORED = {"updated_at"}  # not a change of its own


def record(event: CollectionEvent, db: Session, col: Collection, *, before: dict | None = None) -> list:
    """A delivery row for `event` (none without a `webhook_url`); returns its id in a list."""
    org = db.get(Organization, col.organization_id)
    if org is None or not org.webhook_url:
        return []
    db.flush()  # defaults and onupdate values (created_at, updated_at) are on the object now
    collection = collection_out(col)
    payload = {
        "event": str(event), "organization_id": col.organization_id, "creator_id": col.creator_id,
        "collection_id": col.id, "collection": collection, "occurred_at": iso(utcnow()),
    }
    if event == CollectionEvent.UPDATED:
        old = _plain(before or {})
        new = _plain(collection)
        payload["changed"] = sorted(k for k in new if k not in IGNORED and old.get(k) != new[k])
    return [add(db, org, org.webhook_url, str(event), payload)]


def _plain(d: dict) -> dict:
    """Values compared as they go on the wire (uuids and datetimes as strings)."""
    return {k: (str(v) if v is not None and not isinstance(v, (bool, int, float, str, list, dict)) else v)
            for k, v in d.items()}


def _recorder(event: CollectionEvent):
    def recorder(rt: Runtime, db: Session, col: Collection, details: dict) -> list[tuple[str, str]]:
        return [("webhooks.deliver", str(i)) for i in record(event, db, col, before=details.get("before"))]
    return recorder


EVENTS = {str(e): _recorder(e) for e in CollectionEvent}
