"""Application factory: one runtime, the error envelope, request ids, CORS, router wiring."""

from __future__ import annotations

import contextlib

import anyio.to_thread
from fastapi import FastAPI
from pydantic import BaseModel

from tonearm import __version__
from tonearm import analytics
from tonearm.analytics.routes import router as stats_router
from tonearm.api import errors, metrics, openapi
from tonearm.api.middleware import RequestContextMiddleware
from tonearm.api.ratelimit import Limiter
from tonearm.catalog.playlist_routes import router as playlist_router
from tonearm.catalog.routes import router as catalog_router
from tonearm.catalog.track_routes import router as track_router
from tonearm.delivery.modes import check_mode
from tonearm.http.envelope import JSONResponse
from tonearm.jobs.runtime import Runtime
from tonearm.keys.routes import router as keys_router
from tonearm.keys.signing_routes import router as signing_key_router
from tonearm.playback.delivery import router as delivery_router
from tonearm.playback.events import router as event_router
from tonearm.playback.routes import router as playback_router
from tonearm.podcasts.enclosure import router as enclosure_router
from tonearm.podcasts.feed_routes import router as feed_router
from tonearm.podcasts.routes import router as podcast_router
from tonearm.podcasts.subscriber_routes import router as subscriber_router
from tonearm.runtime import build_runtime
from tonearm.settings import Settings, get_settings
from tonearm.uploads.receive import router as receive_router
from tonearm.uploads.routes import router as upload_router
from tonearm.uploads.tus_routes import router as tus_router
from tonearm.web.routes import mount_static
from tonearm.web.show import router as show_router
from tonearm.web.routes import router as web_router
from tonearm.webhooks.routes import router as webhook_router



class Health(BaseModel):
    ok: bool
    version: str


# Starlette matches routes in order: the listener's hot paths (play payloads, bytes) first.
# podcast_router extends PUT /v1/collection/{id} and PUT /v1/track/{id} (the `podcast` and `episode`
# objects): it comes before the catalog's routers (api/openapi.py documents the operation that runs).
ROUTERS = (playback_router, delivery_router, event_router, enclosure_router, feed_router, receive_router,
           tus_router, upload_router, keys_router, podcast_router, subscriber_router, catalog_router,
           track_router, playlist_router, signing_key_router, webhook_router, stats_router, web_router,
           show_router)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    # Sync endpoints and dependencies run on AnyIO's threadpool (40 threads). A request can hold a
    # database connection while it waits for its next thread, so more threads than pooled
    # connections can deadlock under load: keep the threadpool below the pool's capacity.
    pool = app.state.runtime.sessionmaker.kw["bind"].pool
    capacity = pool.size() + max(0, getattr(pool, "_max_overflow", 0))
    limiter = anyio.to_thread.current_default_thread_limiter()
    if capacity - 2 < limiter.total_tokens:
        limiter.total_tokens = max(4, capacity - 2)
    yield
    analytics.close(app)  # write the buffered listening events


def create_app(settings: Settings | None = None, *, queue=None, storage=None,
               runtime: Runtime | None = None) -> FastAPI:
    """The app over `runtime`, or over one built from `settings` (storage and queue may be given)."""
    rt = runtime or build_runtime(settings or get_settings(), storage=storage, queue=queue)
    check_mode(rt.settings.delivery, rt.storage)  # e.g. redirect needs S3, accel needs local disk
    app = FastAPI(
        lifespan=_lifespan,
        title="Tonearm",
        version=__version__,
        summary="Self-hosted audio delivery server speaking the AudioDN v1 API",
        default_response_class=JSONResponse,
    )
    app.state.runtime = rt  # job bodies run in this process receive the same object
    app.state.limiter = Limiter(rt.settings)  # per key / per session request limits (off by default)
    errors.install(app)

    @app.get("/healthz", tags=["meta"], operation_id="healthz", response_model=Health)
    async def healthz():
        return {"ok": True, "version": __version__}

    @app.get("/v1/ping", tags=["meta"], include_in_schema=False)
    async def ping():
        # A minimal JSON endpoint: the baseline for bench/play_hot_path.py.
        return {"ok": True}

    metrics.install(app, rt.settings)  # /metrics and request timing (docs/deploy.md)
    for router in ROUTERS:
        app.include_router(router)  # web_router: pages (/embed, /oembed, /dashboard, /docs/components)
    mount_static(app)  # /static/components/*.js
    openapi.install(app)
    app.add_middleware(RequestContextMiddleware)
    return app
