"""The outbox: a delivery row's transitions, each one guarded UPDATE (models.py draws the states).

- `claim` takes a row for one attempt: pending (or sending with an expired lease) → sending, with
  next_attempt_at pushed to now + timeout + LEASE_MARGIN. Only one sender wins; a sender that dies
  mid-send leaves the lease to expire, and the row is sent again (at-least-once, same delivery id).
- `record` writes the attempt's outcome, only if the row is still this claim (a redelivery or a
  newer claim in between wins): delivered, failed, or pending again at now + backoff with jitter.
- `due` lists what the sweep sends: pending or lease-expired rows whose next_attempt_at has come,
  at most PER_URL per receiver URL, so one receiver's backlog cannot starve the others.
- `redeliver` puts any row of the organization back to pending, due now, with fresh attempts.

A retry has two clocks: the queue message (sender.py) is scheduled for the nominal backoff, and
next_attempt_at is the nominal backoff plus up to JITTER more. A message asks for an attempt now
(claim without due_only), so with a working queue retries go out at the nominal time; the
jittered time is when the sweep steps in for a lost message, spread out rather than in a burst.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from tonearm.catalog.models import Organization
from tonearm.db.base import utcnow
from tonearm.db.paging import paged
from tonearm.errors import NotFound
from tonearm.jobs.runtime import Runtime
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.webhooks.service import file_signer, fresh_urls
from tonearm.wire import dumps

W = WebhookDelivery
LEASE_MARGIN = 5.0  # seconds beyond the HTTP timeout: recording the outcome, clock skew between workers
JITTER = 0.25  # next_attempt_at = now + backoff × (1 + U(0, JITTER))
MAX_BACKOFF = 6 * 3600.0
PER_URL = 20
BATCH = 500


def backoff(settings, attempt: int) -> float:
    """Seconds after failed attempt `attempt` (1-based): base × 2^(attempt-1), at most 6 hours."""
    return min(MAX_BACKOFF, settings.webhook_retry_base_seconds * (2 ** (attempt - 1)))


def jittered(delay: float, rng: random.Random | None = None) -> float:
    return delay * (1 + (rng or random).uniform(0, JITTER))


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    url: str
    event: str
    body: bytes
    secret: str
    attempt: int  # the number of this attempt (1-based)
    claimed_at: dt.datetime  # also the claim's token: record() applies only while it is current


def _free(now: dt.datetime):
    """A row nobody is sending: pending, or sending with an expired lease."""
    return or_(W.status == DeliveryStatus.PENDING,
               and_(W.status == DeliveryStatus.SENDING, W.next_attempt_at <= now))


def _due(now: dt.datetime):
    return and_(_free(now), or_(W.next_attempt_at.is_(None), W.next_attempt_at <= now))


def claim(rt: Runtime, delivery_id: uuid.UUID, *, due_only: bool) -> Claim | None:
    """Take the row for one attempt. `due_only` (the sweep): only when next_attempt_at has come;
    a queue message (`webhooks.deliver`) asks for an attempt now, due or not."""
    now = utcnow()
    lease = dt.timedelta(seconds=rt.settings.webhook_timeout_seconds + LEASE_MARGIN)
    with rt.unit() as db:
        won = db.execute(
            update(W).where(W.id == delivery_id, _due(now) if due_only else _free(now))
            .values(status=DeliveryStatus.SENDING, next_attempt_at=now + lease, last_attempt_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not won:
            return None
        row = db.get(W, delivery_id)
        org = db.get(Organization, row.organization_id)
        # File URLs are signed again for each attempt: a retry days later still carries working ones.
        body = dumps(fresh_urls(row.payload, file_signer(rt)))
        return Claim(id=row.id, url=row.url, event=row.event, body=body,
                     secret=(org.webhook_secret if org else None) or "", attempt=row.attempts + 1,
                     claimed_at=row.last_attempt_at)


def record(rt: Runtime, c: Claim, *, status_code: int | None, error: str | None) -> float | None:
    """Write the outcome of claim `c`. Returns the nominal retry delay when a retry is scheduled."""
    settings, now = rt.settings, utcnow()
    values: dict = {"attempts": c.attempt, "last_status_code": status_code, "last_error": error}
    retry = None
    if error is None:
        values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif c.attempt >= settings.webhook_max_attempts:
        values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        retry = backoff(settings, c.attempt)
        values |= {"status": DeliveryStatus.PENDING,
                   "next_attempt_at": now + dt.timedelta(seconds=jittered(retry))}
    with rt.unit() as db:
        current = db.execute(
            update(W).where(W.id == c.id, W.status == DeliveryStatus.SENDING, W.last_attempt_at == c.claimed_at)
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount == 1
    return retry if current else None


def due(db: Session, now: dt.datetime | None = None, *, limit: int = BATCH) -> list[tuple[uuid.UUID, str]]:
    """(id, url) of rows the sweep should send, oldest due first, at most PER_URL per URL."""
    now = now or utcnow()
    ranked = (
        select(W.id, W.url, W.next_attempt_at,
               func.row_number().over(partition_by=W.url, order_by=(W.next_attempt_at, W.created_at)).label("n"))
        .where(_due(now)).subquery()
    )
    rows = db.execute(select(ranked.c.id, ranked.c.url).where(ranked.c.n <= PER_URL)
                      .order_by(ranked.c.next_attempt_at).limit(limit))
    return [(r.id, r.url) for r in rows]


def get(db: Session, *, organization_id: uuid.UUID, delivery_id: uuid.UUID) -> WebhookDelivery:
    row = db.get(W, delivery_id)
    if row is None or row.organization_id != organization_id:
        raise NotFound("Webhook delivery not found")
    return row


def redeliver(db: Session, *, organization_id: uuid.UUID, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Back to pending, due now, with a fresh retry schedule; the id (X-Tonearm-Delivery) stays."""
    row = get(db, organization_id=organization_id, delivery_id=delivery_id)
    row.status = DeliveryStatus.PENDING
    row.next_attempt_at = utcnow()
    row.attempts = 0
    db.flush()
    return row


def listing(db: Session, *, organization_id: uuid.UUID, limit: int, offset: int, track_id: uuid.UUID | None = None,
            status: str | None = None) -> tuple[int, list[WebhookDelivery]]:
    where = [W.organization_id == organization_id]
    if track_id is not None:
        where.append(W.track_id == track_id)
    if status is not None:
        where.append(W.status == status)
    return paged(db, W, *where, order_by=(W.created_at.desc(), W.id), limit=limit, offset=offset)
