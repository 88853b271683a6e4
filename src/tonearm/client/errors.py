"""Errors raised by the SDK, built from the AudioDN envelope {"ok": false, "message", "api_request_id"}."""

from __future__ import annotations

from typing import Any


class TonearmError(Exception):
    """An API call failed. ``status`` is the HTTP status (``None`` when no answer came back)."""

    def __init__(self, message: str, *, status: int | None = None, api_request_id: str | None = None,
                 body: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.api_request_id = api_request_id
        self.body = body

    def __str__(self) -> str:
        return f"{self.message} ({self.status})" if self.status else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, api_request_id={self.api_request_id!r})"


class TonearmConnectionError(TonearmError):
    """The server could not be reached (refused, DNS, timeout, reset)."""


class BadRequestError(TonearmError):
    pass


class AuthenticationError(TonearmError):
    pass


class PermissionDeniedError(TonearmError):
    pass


class NotFoundError(TonearmError):
    pass


class ConflictError(TonearmError):
    pass


class GoneError(TonearmError):
    """An expired upload or play session: create a new one."""


class ProcessingError(TonearmError):
    """A track ended in ``error`` or ``init_error`` (see ``track``)."""

    def __init__(self, message: str, *, track: Any = None):
        super().__init__(message)
        self.track = track


class WaitTimeout(TonearmError):
    """``wait_until_ready`` gave up before the track reached a terminal status."""

    def __init__(self, message: str, *, track: Any = None):
        super().__init__(message)
        self.track = track


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
              409: ConflictError, 410: GoneError}


def error_from_response(status: int, body: Any, text: str, request_id: str | None) -> TonearmError:
    message = None
    if isinstance(body, dict):
        message = body.get("message")
        request_id = body.get("api_request_id") or request_id
    if not message:
        snippet = " ".join(text.split())[:200]
        message = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    cls = _BY_STATUS.get(status, TonearmError)
    return cls(message, status=status, api_request_id=request_id, body=body)
