"""Application factory: error envelope, request ids, CORS, router wiring."""

from __future__ import annotations

import contextlib
import logging

import anyio.to_thread

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tonearm import __version__
from tonearm.api.envelope import JSONResponse, error
from tonearm.api.middleware import RequestContextMiddleware
from tonearm.db.session import get_sessionmaker
from tonearm.errors import ApiError
from tonearm.settings import Settings, get_settings

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


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    # Sync endpoints and dependencies run on AnyIO's threadpool (40 threads). A request can hold a
    # database connection while it waits for its next thread, so more threads than pooled
    # connections can deadlock under load: keep the threadpool below the pool's capacity.
    pool = app.state.sessionmaker.kw["bind"].pool
    capacity = pool.size() + max(0, getattr(pool, "_max_overflow", 0))
    limiter = anyio.to_thread.current_default_thread_limiter()
    if capacity - 2 < limiter.total_tokens:
        limiter.total_tokens = max(4, capacity - 2)
    yield


def create_app(settings: Settings | None = None, *, queue=None, storage=None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_secret_key()
    app = FastAPI(
        lifespan=_lifespan,
        title="Tonearm",
        version=__version__,
        summary="Self-hosted audio delivery server speaking the AudioDN v1 API",
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    app.state.sessionmaker = get_sessionmaker(settings.database_url)
    if storage is None:
        from tonearm.storage import open_storage

        storage = open_storage(settings.storage_url, settings)
    app.state.storage = storage
    from tonearm.delivery.modes import check_mode

    check_mode(settings.delivery, storage)  # e.g. redirect needs S3, accel needs local disk
    if queue is None:
        from tonearm.jobs.queue import open_queue

        queue = open_queue(settings)
    app.state.queue = queue
    from tonearm.api.ratelimit import Limiter

    app.state.limiter = Limiter(settings)  # per key / per session request limits (off by default)
    from tonearm.processing.context import Context, use

    use(Context(settings, storage, queue))  # job bodies run in this process share these objects

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return error(exc.status, exc.message, exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return error(400, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "Error"
        if exc.status_code == 404 and message == "Not Found":
            message = "No such route"
        return error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _database_down(_request: Request, exc: DBAPIError):
        # A dropped or unreachable database (restart, failover, network): fail fast with a 503 the
        # client can retry; the pool's pre-ping replaces dead connections once it is back.
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            log.warning("database unavailable: %s", str(exc.orig or exc).splitlines()[0][:200])
            return error(503, "The database is unavailable; try again shortly", {"Retry-After": "2"})
        log.exception("database error", exc_info=exc)
        return error(500, "Internal server error")

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_request: Request, _exc: PoolTimeout):
        return error(503, "The server is busy; try again shortly", {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception):
        log.exception("unhandled error", exc_info=exc)
        return error(500, "Internal server error")

    @app.get("/healthz", tags=["meta"])
    async def healthz():
        return {"ok": True, "version": __version__}

    @app.get("/v1/ping", tags=["meta"], include_in_schema=False)
    async def ping():
        # A minimal JSON endpoint: the baseline for bench/play_hot_path.py.
        return {"ok": True}

    from tonearm.api.metrics import install as install_metrics

    install_metrics(app, settings)  # /metrics and request timing (docs/deploy.md)

    from tonearm.auth.routes import router as auth_router
    from tonearm.catalog.playlist_routes import router as playlist_router
    from tonearm.catalog.routes import router as catalog_router
    from tonearm.catalog.track_routes import router as track_router
    from tonearm.delivery.routes import router as delivery_router
    from tonearm.playback.routes import router as playback_router
    from tonearm.uploads.receive import router as receive_router
    from tonearm.uploads.routes import router as upload_router

    # Starlette matches routes in order: the listener's hot paths (play payloads, bytes) first.
    for router in (
        playback_router,
        delivery_router,
        receive_router,
        upload_router,
        auth_router,
        catalog_router,
        track_router,
        playlist_router,
    ):
        app.include_router(router)

    from tonearm.web.routes import mount_static
    from tonearm.web.routes import router as web_router

    app.include_router(web_router)  # pages (/embed, /oembed, /dashboard, /docs/components)
    mount_static(app)  # /static/components/*.js

    from tonearm.api.openapi import install as install_openapi

    install_openapi(app)
    app.add_middleware(RequestContextMiddleware)
    return app
