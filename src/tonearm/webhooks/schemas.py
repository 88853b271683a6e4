"""Response models of the webhook delivery routes (documentation: http/models.py)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from tonearm.http.models import OkEnvelope, Out, Page, Timestamp
from tonearm.webhooks.models import DeliveryStatus


class WebhookDelivery(Out):
    id: uuid.UUID = Field(description="Also the X-Tonearm-Delivery header of every attempt")
    organization_id: uuid.UUID
    track_id: uuid.UUID | None
    event: str
    url: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: Timestamp | None = Field(description="When a pending delivery is due (a sending one: "
                                                          "when the sender's lease ends); null once settled")
    last_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    created_at: Timestamp
    payload: dict[str, Any] = Field(description="The JSON body sent to the receiver")


class WebhookDeliveryList(Page):
    webhook_deliveries: list[WebhookDelivery]


class WebhookDeliveryResponse(OkEnvelope):
    webhook_delivery_id: uuid.UUID
    webhook_delivery: WebhookDelivery
