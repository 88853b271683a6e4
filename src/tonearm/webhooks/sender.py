"""Sending one delivery: claim its row, POST it signed, record the outcome, schedule the retry.

`dispatch` hands the attempt to the process's `rt.offload` (jobs/offload.py), keyed by the
receiver's host:port: the consumer thread that ran `webhooks.deliver` (or the sweeper) returns at
once, at most `per_key` POSTs go to one receiver at a time, and a receiver that hangs holds only
its own slots, for at most the timeout. With the inline queues the attempt runs in the caller.

The row is claimed right before the POST (outbox.claim), not when it is handed over, so a row
waiting behind a slow receiver stays free for any other worker to send.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import OperationalError

from tonearm.jobs.runtime import Runtime
from tonearm.webhooks import outbox
from tonearm.webhooks.signing import HEADER, sign

log = logging.getLogger("tonearm.webhooks")

USER_AGENT = "Tonearm-Webhooks/1"
DELIVERY_HEADER = "X-Tonearm-Delivery"


def endpoint(url: str) -> str:
    """The concurrency key of a receiver: host:port (one endpoint, whatever its paths)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    except ValueError:
        return url
    return f"{(parts.hostname or '').lower()}:{port}"


def dispatch(rt: Runtime, delivery_id: str, url: str, *, due_only: bool) -> bool:
    """Hand one attempt to the sender. False when it is already in line here (or the line is full)."""
    did = uuid.UUID(delivery_id)
    return rt.offload.submit(endpoint(url), str(did), lambda: attempt(rt, did, due_only=due_only))


def unavailable(exc: OperationalError) -> str:
    return "database unavailable (" + str(exc.orig or exc).splitlines()[0][:200] + ")"


def attempt(rt: Runtime, delivery_id: uuid.UUID, *, due_only: bool) -> None:
    try:
        claim = outbox.claim(rt, delivery_id, due_only=due_only)
    except OperationalError as exc:  # the row is still due: a later sweep sends it
        log.warning("webhook %s not sent: %s", delivery_id, unavailable(exc))
        return
    if claim is None:
        return  # delivered, failed, or another sender holds it
    status_code, error = post(claim, rt.settings.webhook_timeout_seconds)
    try:
        retry = outbox.record(rt, claim, status_code=status_code, error=error)
    except OperationalError as exc:  # the lease runs out and the delivery is sent again: at least once
        log.warning("webhook %s outcome not recorded: %s", delivery_id, unavailable(exc))
        return
    if error:
        log.warning("webhook %s %s to %s failed (attempt %s): %s", claim.event, claim.id, claim.url,
                    claim.attempt, error)
    if retry is not None:
        # A hint for low latency; the row's next_attempt_at (backoff + jitter) is the truth the
        # sweep acts on when this message is lost.
        rt.enqueue("webhooks.deliver", claim.id, delay=retry)


def post(claim: outbox.Claim, timeout: float) -> tuple[int | None, str | None]:
    """POST the signed body; (status code, error or None when 2xx)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ADN-Event": claim.event,
        DELIVERY_HEADER: str(claim.id),
        HEADER: sign(claim.secret, claim.body),  # signed per attempt: a fresh timestamp
    }
    try:
        resp = httpx.post(claim.url, content=claim.body, headers=headers, timeout=timeout, follow_redirects=False)
    except Exception as exc:  # timeouts, refused connections, bad URLs: all an attempt that failed
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= resp.status_code < 300:
        return resp.status_code, None
    return resp.status_code, f"HTTP {resp.status_code}"
