"""The transport under both clients: one request spec, retries, envelope decoding.

Only idempotent methods (GET, HEAD, PUT, DELETE) are retried, on connection errors and on
429/500/502/503/504, with exponential backoff or the server's ``Retry-After``. A POST is
sent exactly once."""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from tonearm.client.errors import (
    TonearmConnectionError,
    TonearmError,
    error_from_response,
)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_DELAY = 60.0
USER_AGENT = "tonearm-python"


@dataclass
class Call:
    """One JSON API operation: what to send, and how to shape the answer."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    auth: bool = True
    parse: Callable[[dict], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values (optional fields the caller did not give)."""
    return {k: v for k, v in d.items() if v is not None}


def retry_after(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return min(float(raw), MAX_DELAY)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_DELAY))


class RetryPolicy:
    def __init__(self, retries: int, backoff: float):
        self.retries = max(0, int(retries))
        self.backoff = backoff

    def should_retry(self, method: str, attempt: int, *, status: int | None = None, failed: bool = False) -> bool:
        if method.upper() not in IDEMPOTENT or attempt >= self.retries:
            return False
        return failed or status in RETRY_STATUSES

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        server = retry_after(response)
        if server is not None:
            return server
        return min(self.backoff * (2**attempt), MAX_DELAY)


def connection_error(base_url: str, exc: Exception) -> TonearmConnectionError:
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        reason = f"timed out ({type(exc).__name__})"
    return TonearmConnectionError(f"Cannot reach the Tonearm server at {base_url}: {reason}")


def decode(response: httpx.Response) -> dict:
    """The JSON body of a success, or the matching TonearmError."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success:
        if not isinstance(body, dict):
            raise TonearmError(f"Unexpected non-JSON answer (HTTP {response.status_code})",
                               status=response.status_code, api_request_id=response.headers.get("x-request-id"))
        return body
    raise error_from_response(response.status_code, body, response.text, response.headers.get("x-request-id"))


def _headers(api_key: str | None, call_auth: bool, extra: dict[str, str] | None) -> dict[str, str]:
    headers = dict(extra or {})
    if call_auth and api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


class SyncCore:
    def __init__(self, base_url: str, api_key: str | None, *, timeout: float, retries: int, backoff: float,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.policy = RetryPolicy(retries, backoff)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                 headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, url: str, *, auth: bool = True, retry: bool = True,
             content_factory: Callable[[], Any] | None = None, on_retry: Callable[[], None] | None = None,
             **kwargs: Any) -> httpx.Response:
        """Send with retries; ``content_factory`` rebuilds a streamed body for each attempt."""
        headers = _headers(self.api_key, auth, kwargs.pop("headers", None))
        attempt = 0
        while True:
            if content_factory is not None:
                kwargs["content"] = content_factory()
            try:
                response = self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if retry and self.policy.should_retry(method, attempt, failed=True):
                    time.sleep(self.policy.delay(attempt))
                    attempt += 1
                    if on_retry:
                        on_retry()
                    continue
                raise connection_error(self.base_url, exc) from None
            if retry and self.policy.should_retry(method, attempt, status=response.status_code):
                time.sleep(self.policy.delay(attempt, response))
                attempt += 1
                if on_retry:
                    on_retry()
                continue
            return response

    def call(self, call: Call) -> Any:
        response = self.send(call.method, call.path, auth=call.auth, json=call.json,
                             params=clean(call.params or {}) or None, headers=call.headers)
        data = decode(response)
        return call.parse(data) if call.parse else data


class AsyncCore:
    def __init__(self, base_url: str, api_key: str | None, *, timeout: float, retries: int, backoff: float,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.policy = RetryPolicy(retries, backoff)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport,
                                      headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, method: str, url: str, *, auth: bool = True, retry: bool = True,
                   content_factory: Callable[[], Any] | None = None, on_retry: Callable[[], None] | None = None,
                   **kwargs: Any) -> httpx.Response:
        headers = _headers(self.api_key, auth, kwargs.pop("headers", None))
        attempt = 0
        while True:
            if content_factory is not None:
                kwargs["content"] = content_factory()
            try:
                response = await self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if retry and self.policy.should_retry(method, attempt, failed=True):
                    await asyncio.sleep(self.policy.delay(attempt))
                    attempt += 1
                    if on_retry:
                        on_retry()
                    continue
                raise connection_error(self.base_url, exc) from None
            if retry and self.policy.should_retry(method, attempt, status=response.status_code):
                await asyncio.sleep(self.policy.delay(attempt, response))
                attempt += 1
                if on_retry:
                    on_retry()
                continue
            return response

    async def call(self, call: Call) -> Any:
        response = await self.send(call.method, call.path, auth=call.auth, json=call.json,
                                   params=clean(call.params or {}) or None, headers=call.headers)
        data = decode(response)
        return call.parse(data) if call.parse else data
