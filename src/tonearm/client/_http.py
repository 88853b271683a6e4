"""The transport under both clients: one request spec, retries, envelope decoding.

Only idempotent methods (GET, HEAD, PUT, DELETE) are retried, on connection errors and on
429/500/502/503/504, with exponential backoff or the server's ``Retry-After``. A POST is
sent exactly once."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Generator
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
    content: bytes | None = None  # a raw body instead of JSON (e.g. a transcript file)


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


Outcome = httpx.Response | httpx.TransportError


def retry_loop(policy: RetryPolicy, method: str, base_url: str, *, retry: bool = True,
               on_retry: Callable[[], None] | None = None) -> Generator[float | None, Outcome, httpx.Response]:
    """The retry loop of both cores, without I/O. It yields ``None`` to ask for an attempt (send
    back its response, or the TransportError it raised) and a delay in seconds to ask for a pause
    before the next one; it returns the response to keep, or raises TonearmConnectionError."""
    attempt = 0
    while True:
        outcome = yield None
        failed = isinstance(outcome, httpx.TransportError)
        status = None if failed else outcome.status_code
        if not (retry and policy.should_retry(method, attempt, status=status, failed=failed)):
            if failed:
                raise connection_error(base_url, outcome) from None
            return outcome
        yield policy.delay(attempt, None if failed else outcome)
        attempt += 1
        if on_retry:
            on_retry()


class _Core:
    """What both cores share: the base URL, the key, the retry policy, a call's request."""

    def __init__(self, base_url: str, api_key: str | None, *, retries: int, backoff: float):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.policy = RetryPolicy(retries, backoff)

    def _loop(self, method: str, retry: bool, on_retry: Callable[[], None] | None):
        return retry_loop(self.policy, method, self.base_url, retry=retry, on_retry=on_retry)

    @staticmethod
    def _call_kwargs(call: Call) -> dict[str, Any]:
        kwargs = {"auth": call.auth, "json": call.json, "params": clean(call.params or {}) or None,
                  "headers": call.headers}
        if call.content is not None:
            kwargs["content"] = call.content
        return kwargs


class SyncCore(_Core):
    def __init__(self, base_url: str, api_key: str | None, *, timeout: float, retries: int, backoff: float,
                 transport: httpx.BaseTransport | None = None):
        super().__init__(base_url, api_key, retries=retries, backoff=backoff)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                 headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, url: str, *, auth: bool = True, retry: bool = True,
             content_factory: Callable[[], Any] | None = None, on_retry: Callable[[], None] | None = None,
             **kwargs: Any) -> httpx.Response:
        """Send with retries (``retry_loop``); ``content_factory`` rebuilds a streamed body for each attempt."""
        headers = _headers(self.api_key, auth, kwargs.pop("headers", None))
        loop = self._loop(method, retry, on_retry)
        try:
            step = next(loop)
            while True:
                if step is None:
                    step = loop.send(self._attempt(method, url, headers, content_factory, kwargs))
                else:
                    time.sleep(step)
                    step = next(loop)
        except StopIteration as done:
            return done.value

    def _attempt(self, method: str, url: str, headers: dict, content_factory: Callable[[], Any] | None,
                 kwargs: dict) -> Outcome:
        if content_factory is not None:
            kwargs["content"] = content_factory()
        try:
            return self.http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            return exc

    def call(self, call: Call) -> Any:
        data = decode(self.send(call.method, call.path, **self._call_kwargs(call)))
        return call.parse(data) if call.parse else data


class AsyncCore(_Core):
    def __init__(self, base_url: str, api_key: str | None, *, timeout: float, retries: int, backoff: float,
                 transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(base_url, api_key, retries=retries, backoff=backoff)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport,
                                      headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, method: str, url: str, *, auth: bool = True, retry: bool = True,
                   content_factory: Callable[[], Any] | None = None, on_retry: Callable[[], None] | None = None,
                   **kwargs: Any) -> httpx.Response:
        """SyncCore.send, awaiting the request and the pauses."""
        headers = _headers(self.api_key, auth, kwargs.pop("headers", None))
        loop = self._loop(method, retry, on_retry)
        try:
            step = next(loop)
            while True:
                if step is None:
                    step = loop.send(await self._attempt(method, url, headers, content_factory, kwargs))
                else:
                    await asyncio.sleep(step)
                    step = next(loop)
        except StopIteration as done:
            return done.value

    async def _attempt(self, method: str, url: str, headers: dict, content_factory: Callable[[], Any] | None,
                 kwargs: dict) -> Outcome:
        if content_factory is not None:
            kwargs["content"] = content_factory()
        try:
            return await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            return exc

    async def call(self, call: Call) -> Any:
        data = decode(await self.send(call.method, call.path, **self._call_kwargs(call)))
        return call.parse(data) if call.parse else data
