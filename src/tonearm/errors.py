"""Domain errors raised by services; the API maps each to a status and the AudioDN envelope."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    default = "Internal server error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.default)
        self.message = message or self.default
        self.headers = headers or {}


class Invalid(ApiError):
    status = 400
    default = "Invalid request"


class Unauthorized(ApiError):
    status = 401
    default = "Missing or invalid API key"


class Forbidden(ApiError):
    status = 403
    default = "Forbidden"


class NotFound(ApiError):
    status = 404
    default = "Not found"


class Conflict(ApiError):
    status = 409
    default = "Conflict"


class Gone(ApiError):
    status = 410
    default = "Gone"


class TooLarge(ApiError):
    status = 413
    default = "Payload too large"


class Unprocessable(ApiError):
    status = 422
    default = "Unprocessable"


class RangeNotSatisfiable(ApiError):
    status = 416
    default = "Requested range not satisfiable"


class InsufficientStorage(ApiError):
    status = 507
    default = "Insufficient storage"


class Unavailable(ApiError):
    status = 503
    default = "Service temporarily unavailable"
