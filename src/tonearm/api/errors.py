"""Exception handlers: every error leaves as the AudioDN envelope with its status code."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tonearm.errors import ApiError
from tonearm.http.envelope import error

log = logging.getLogger("tonearm.api")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        where = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            return "Malformed JSON body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) if parts else "Invalid request"


async def _api_error(_request: Request, exc: ApiError):
    return error(exc.status, exc.message, exc.headers or None)


async def _invalid(_request: Request, exc: RequestValidationError):
    return error(400, _validation_message(exc))


async def _http(_request: Request, exc: StarletteHTTPException):
    message = exc.detail if isinstance(exc.detail, str) else "Error"
    if exc.status_code == 404 and message == "Not Found":
        message = "No such route"
    return error(exc.status_code, message, getattr(exc, "headers", None))


async def _database_down(_request: Request, exc: DBAPIError):
    # A dropped or unreachable database (restart, failover, network): fail fast with a 503 the
    # client can retry; the pool's pre-ping replaces dead connections once it is back.
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", str(exc.orig or exc).splitlines()[0][:200])
        return error(503, "The database is unavailable; try again shortly", {"Retry-After": "2"})
    log.exception("database error", exc_info=exc)
    return error(500, "Internal server error")


async def _data_error(_request: Request, exc: DataError):
    # The database refused a value (PostgreSQL class 22: a string longer than its column, a number
    # out of range) that validation let through: the request's fault, so a 400, not a 500. The
    # warning keeps the gap visible; the fix is a bound on the field in its schema.
    log.warning("database refused a value: %s", str(exc.orig or exc).splitlines()[0][:200])
    return error(400, "Invalid request: a value is too long or out of range")


async def _pool_exhausted(_request: Request, _exc: PoolTimeout):
    return error(503, "The server is busy; try again shortly", {"Retry-After": "1"})


async def _crash(_request: Request, exc: Exception):
    log.exception("unhandled error", exc_info=exc)
    return error(500, "Internal server error")


def install(app: FastAPI) -> None:
    for exc_class, handler in (
        (ApiError, _api_error),
        (RequestValidationError, _invalid),
        (StarletteHTTPException, _http),
        (DataError, _data_error),
        (DBAPIError, _database_down),
        (PoolTimeout, _pool_exhausted),
        (Exception, _crash),
    ):
        app.add_exception_handler(exc_class, handler)
