"""Prometheus metrics at /metrics, request timing by route template, and JSON access lines.

- `tonearm_http_request_duration_seconds{method, route, status}`: a histogram per route
  *template* (`/v1/track/{track_id}`, never the concrete path, so the label set stays small);
  requests no route matched share `route="<unmatched>"`.
- the job metrics of `tonearm.jobs.metrics` (enqueued/started/failed/running, processing speed)
  and, in a single process, prometheus-client's process and platform collectors.

With several uvicorn workers (`tonearm serve --workers N`) the CLI points PROMETHEUS_MULTIPROC_DIR
at `<data dir>/metrics/<port>` before any process imports prometheus-client; /metrics then adds
up the files of every worker (and of the embedded consumer in the supervisor process).

TONEARM_METRICS_ENABLED=false removes the route; TONEARM_METRICS_TOKEN=… requires
`Authorization: Bearer …` (a 401 envelope otherwise). Without a token it is open: keep it off
the public internet with the reverse proxy (see docs/deploy.md).
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from tonearm.http.envelope import error
from tonearm.logging import access_logging_enabled

access_log = logging.getLogger("tonearm.access")

REQUEST_SECONDS = Histogram(
    "tonearm_http_request_duration_seconds",
    "Time to answer an HTTP request, until the last body byte",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
UNMATCHED = "<unmatched>"


def _route(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return path or UNMATCHED


class ObservabilityMiddleware:
    """Time every HTTP request; in JSON log mode also write one tonearm.access line for it."""

    def __init__(self, app, *, metrics: bool = True):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = _route(scope)
            if self.metrics:
                REQUEST_SECONDS.labels(scope["method"], route, str(status[0])).observe(elapsed)
            if access_logging_enabled():  # never the client's address (docs/analytics.md)
                access_log.info(
                    "%s %s %s", scope["method"], scope["path"], status[0],
                    extra={"method": scope["method"], "path": scope["path"], "route": route, "status": status[0],
                           "duration_ms": round(elapsed * 1000, 2)},
                )


def registry():
    """The registry to expose: every process's files in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # prometheus-client's own switch, not a Tonearm setting
        from prometheus_client import multiprocess

        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    return REGISTRY


def install(app, settings) -> None:
    """Add the middleware and, when enabled, the /metrics route to the app."""
    import tonearm.jobs.metrics  # noqa: F401  (register the job metrics in this process)

    token = settings.metrics_token

    if settings.metrics_enabled:
        @app.get("/metrics", include_in_schema=False)
        def metrics(request: Request):
            if token:
                given = request.headers.get("authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                    return error(401, "A valid metrics token is required",
                                 {"WWW-Authenticate": 'Bearer realm="metrics"'})
            return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(ObservabilityMiddleware, metrics=settings.metrics_enabled)
