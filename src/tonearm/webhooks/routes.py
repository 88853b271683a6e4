"""Webhook deliveries over HTTP (Tonearm extension): list them, redeliver one. API keys only,
scoped to the key's organization (another organization's delivery is a 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from tonearm.auth.deps import ApiKeyDep
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.http.params import PageDep
from tonearm.webhooks import outbox
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.webhooks.schemas import WebhookDeliveryList, WebhookDeliveryResponse
from tonearm.wire import iso

router = APIRouter(tags=["webhooks"])


def delivery_out(row: WebhookDelivery) -> dict:
    """A delivery as operators see it: state, attempts, times and the payload (never the secret)."""
    return {
        "id": row.id, "organization_id": row.organization_id, "track_id": row.track_id, "event": row.event,
        "url": row.url, "status": row.status, "attempts": row.attempts, "last_status_code": row.last_status_code,
        "last_error": row.last_error, "next_attempt_at": iso(row.next_attempt_at),
        "last_attempt_at": iso(row.last_attempt_at), "delivered_at": iso(row.delivered_at),
        "created_at": iso(row.created_at), "payload": row.payload,
    }


@router.get(
    "/v1/webhook_delivery",
    operation_id="listWebhookDeliveries",
    response_model=WebhookDeliveryList,
    summary="List webhook deliveries (Tonearm extension)",
    description="The organization's recorded deliveries, newest first, with their status, attempts, "
                "last error and next attempt; filter by `track_id` and `status`. Paged like every list.",
)
def list_deliveries(
    db: DB, principal: ApiKeyDep, page: PageDep,
    track_id: Annotated[uuid.UUID | None, Query(description="only this track's deliveries")] = None,
    status: Annotated[DeliveryStatus | None, Query(description="pending, sending, delivered or failed")] = None,
):
    count, rows = outbox.listing(db, organization_id=principal.organization_id, limit=page.limit,
                                 offset=page.offset, track_id=track_id, status=status)
    return ok(count=count, limit=page.limit, offset=page.offset, webhook_deliveries=[delivery_out(r) for r in rows])


@router.post(
    "/v1/webhook_delivery/{delivery_id}/redeliver",
    operation_id="redeliverWebhook",
    response_model=WebhookDeliveryResponse,
    summary="Redeliver a webhook (Tonearm extension)",
    description="Puts the delivery back to `pending`, due now, with a fresh retry schedule, and hands it "
                "to the sender. Any status may be redelivered; the delivery id (`X-Tonearm-Delivery`) "
                "stays the same, so receivers that dedupe on it see one event.",
)
def redeliver(delivery_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    row = outbox.redeliver(db, organization_id=principal.organization_id, delivery_id=delivery_id)
    db.commit()
    rt.enqueue("webhooks.deliver", row.id)  # after the commit; the sweep sends it if this is lost
    db.refresh(row)  # an inline queue has sent it already
    return ok(webhook_delivery_id=row.id, webhook_delivery=delivery_out(row))
