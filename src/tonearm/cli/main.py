"""The `tonearm` command: serve, worker, db upgrade, keys."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import uuid
from typing import Optional

import typer

from tonearm.settings import Settings, get_settings

app = typer.Typer(help="Tonearm: self-hosted audio delivery server (AudioDN v1 API).", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys on this server's own database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

# Remote commands over the HTTP API (upload, collections, tracks, playlists, play, download).
from tonearm.cli.remote import register as _register_remote  # noqa: E402

_register_remote(app)
from tonearm.cli.podcasts import register as _register_podcasts  # noqa: E402
from tonearm.cli.stats import stats as _stats  # noqa: E402

_register_podcasts(app)  # show, episode, subscriber (docs/podcasts.md)
app.command("stats")(_stats)
from tonearm.cli.remote import tracks_app as _tracks_app  # noqa: E402
from tonearm.cli.tracks import reprocess as _reprocess  # noqa: E402

_tracks_app.command("reprocess")(_reprocess)  # an operator command on the server's own database
from tonearm.cli.nginx import register as _register_nginx  # noqa: E402

_register_nginx(app)  # nginx-secrets, nginx-config: nginx checks delivery URLs itself (njs)


def _settings(**overrides) -> Settings:
    get_settings.cache_clear()
    import os

    for name, value in overrides.items():
        if value is not None:
            os.environ[f"TONEARM_{name.upper()}"] = str(value)
    return get_settings()


def _check_delivery(settings: Settings) -> None:
    """An impossible TONEARM_DELIVERY / storage pair: one line and exit 2, before any process starts."""
    from tonearm.delivery.modes import DeliveryConfigError, check_mode
    from tonearm.storage import open_storage

    try:
        check_mode(settings.delivery, open_storage(settings.storage_url, settings))
    except (DeliveryConfigError, ValueError) as exc:
        typer.echo(f"tonearm: error: {exc}", err=True)
        raise typer.Exit(2) from None


def _prepare(settings: Settings, *, migrate: bool) -> None:
    from tonearm.bootstrap import bootstrap
    from tonearm.db.migrate import upgrade

    if migrate:
        upgrade(settings.database_url)
    else:
        _require_current_schema(settings.database_url)
    with _bootstrap_lock(settings.database_url):
        key = bootstrap(settings)
    _storage_canary(settings, write=True)
    if key:
        typer.echo(f"tonearm: created the default organization and an API Access key:\n\n    {key}\n", err=True)
        typer.echo(f"tonearm: it is shown once; a copy is in {settings.data_dir / 'bootstrap-key'} (mode 0600)", err=True)


def _storage_canary(settings: Settings, *, write: bool) -> None:
    """The API writes the deployment's canary into its storage; every consumer reads it back first.
    A process that cannot see the API's storage says so in one line and exits 2."""
    from tonearm.runtime import (
        CanaryMismatch,
        build_runtime,
        check_canary,
        write_canary,
    )

    runtime = build_runtime(settings)  # a start-up check only; the process builds its working runtime after
    try:
        if write:
            write_canary(runtime)
        check_canary(runtime)
    except CanaryMismatch as exc:
        typer.echo(f"tonearm: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"tonearm: refusing to start: storage {settings.storage_url.split('://')[0]} is not usable: "
                   f"{type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None


def _require_current_schema(url: str) -> None:
    """Exit with a clear message unless the database is at the migrations' head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from tonearm.db.migrate import alembic_config
    from tonearm.db.session import get_engine

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    try:
        with get_engine(url).connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # unreachable server, bad credentials: say so without a traceback
        typer.echo(f"tonearm: cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(2) from None
    if current != heads:
        at = ", ".join(sorted(current)) or "empty"
        typer.echo(f"tonearm: the database schema is behind (at {at}, this version needs "
                   f"{', '.join(sorted(heads))}): run `tonearm db upgrade` first", err=True)
        raise typer.Exit(2)


@contextlib.contextmanager
def _bootstrap_lock(url: str):
    """Several API processes may start at once on an empty PostgreSQL database: one bootstraps."""
    if not url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import text

    from tonearm.db.session import get_engine

    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(7309475730947)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(7309475730947)"))
            conn.commit()


def _say(settings: Settings, message: str) -> None:
    """A status line: plain on stderr, or a log record when logs are JSON (one object per line)."""
    if settings.log_format.lower() == "json":
        import logging

        logging.getLogger("tonearm.cli").info(message)
    else:
        typer.echo(f"tonearm: {message}", err=True)


def _multiprocess_metrics(settings: Settings, port: int) -> None:
    """Several uvicorn workers share one /metrics through prometheus-client's multiprocess files.
    Must run before anything imports prometheus_client in this process (children inherit it)."""
    import os
    import shutil

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = settings.data_dir / "metrics" / str(port)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    if "prometheus_client" in sys.modules:  # too late for this process: its samples would be missing
        raise RuntimeError("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind"),
    port: int = typer.Option(8000, help="Port to bind"),
    workers: int = typer.Option(1, help="API processes (uvicorn workers)"),
    worker: Optional[bool] = typer.Option(
        None, "--worker/--no-worker",
        help="Run a job consumer in this command (default: only with the embedded huey-sqlite queue)"),
    concurrency: int = typer.Option(2, help="Job consumer threads"),
    log_level: str = typer.Option("info"),
):
    """Serve the API (and, with the embedded queue, process jobs in the same command)."""
    import uvicorn

    from tonearm import logging as tlog
    from tonearm.cli import serving
    from tonearm.jobs.schemes import is_external

    settings = _settings(host=host, port=port)
    # One consumer per `serve`, never one per API process: with --workers N it runs in (or, as a
    # child process, beside) the supervisor process. With an external queue (Redis, PostgreSQL)
    # run `tonearm worker` processes instead, unless --worker asks for one here too.
    run_consumer = worker if worker is not None else (settings.run_worker and not is_external(settings.queue_url))
    if settings.metrics_enabled and (workers > 1 or (run_consumer and settings.worker_nice > 0)):
        _multiprocess_metrics(settings, port)  # before anything imports prometheus_client

    tlog.configure(settings.log_format, log_level)
    _check_delivery(settings)
    embedded = settings.database_url.startswith("sqlite")
    _prepare(settings, migrate=embedded)
    consumer, target = _serve_runtime(settings, run_consumer=run_consumer, concurrency=concurrency, workers=workers,
                                      log_level=log_level)
    signals = serving.signals_after_uvicorn() if consumer is not None else []
    _say(settings, f"serving {settings.public_url} (database {settings.database_url.split('://')[0]}, "
               f"storage {settings.storage_url.split('://')[0]}, queue {settings.queue_url.split('://')[0]}, "
               f"{workers} API process{'es' if workers > 1 else ''}, "
               f"{serving.consumer_words(settings, consumer)})")
    try:
        uvicorn.run(
            target,
            factory=isinstance(target, str),
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            log_config=tlog.config(settings.log_format, log_level),
            access_log=settings.log_format.lower() != "json",  # JSON mode writes tonearm.access lines instead
            proxy_headers=True,
            # Longer than a proxy's idle upstream timeout (nginx: 60 s), so the proxy, not this
            # server, closes idle keep-alive connections (no race on a connection closed mid-reuse).
            timeout_keep_alive=75,
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
            serving.end_as_signalled(signals)


def _serve_runtime(settings, *, run_consumer: bool, concurrency: int, workers: int, log_level: str = "info"):
    """(the started consumer or None, what uvicorn runs). With one API process the app is built
    here; with several, each process builds its own runtime."""
    consumer, target = None, "tonearm.api.app:create_app"
    if run_consumer or workers == 1:
        from tonearm.cli import serving
        from tonearm.runtime import build_runtime

        runtime = build_runtime(settings)
        if run_consumer and hasattr(runtime.queue, "start_consumer"):
            consumer = serving.start_consumer(settings, runtime, concurrency, log_level)
        if workers == 1:
            from tonearm.api.app import create_app

            target = create_app(runtime=runtime)
    return consumer, target


@app.command()
def worker(
    concurrency: int = typer.Option(2, help="Job consumer threads"),
    metrics_port: int = typer.Option(0, help="Serve Prometheus metrics on this port (0: off)"),
    metrics_host: str = typer.Option("127.0.0.1", help="Interface for --metrics-port"),
    log_level: str = typer.Option("info"),
):
    """Process jobs only, against the same database, storage and queue as the API (any machine)."""

    from tonearm import logging as tlog
    from tonearm.cli import serving
    from tonearm.runtime import build_runtime

    settings = _settings()
    tlog.configure(settings.log_format, log_level)
    if not settings.database_url.startswith("sqlite"):
        _require_current_schema(settings.database_url)
    _storage_canary(settings, write=False)
    queue = build_runtime(settings).queue
    if not hasattr(queue, "start_consumer"):
        typer.echo(f"tonearm: the queue {settings.queue_url!r} has no separate consumer", err=True)
        raise typer.Exit(2)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    serving.warm_renderers(settings, concurrency)
    consumer = queue.start_consumer(workers=concurrency, reap_interval=settings.reap_interval_seconds)
    stop = serving.stop_on_signals()
    _say(settings, f"worker running with {concurrency} threads (queue {settings.queue_url.split('://')[0]})")
    stop.wait()
    _say(settings, "worker stopping after its running jobs (signal again to stop now)")
    consumer.stop(graceful=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")):
    """Apply migrations (run once per deployment, not by every process)."""
    from tonearm.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    if revision == "head":
        _storage_canary(settings, write=True)
    typer.echo(f"tonearm: database at {revision}", err=True)


def _org_id(db, org: Optional[str]) -> uuid.UUID:
    from tonearm.bootstrap import default_organization
    from tonearm.catalog.models import Organization

    if org:
        found = db.get(Organization, uuid.UUID(org))
    else:
        found = default_organization(db)
    if found is None:
        typer.echo("tonearm: no organization (run `tonearm serve` once, or `tonearm db upgrade` then serve)", err=True)
        raise typer.Exit(1)
    return found.id


@keys_app.command("create")
def keys_create(
    type: str = typer.Option(..., "--type", help="api | player | uploader | share"),
    title: str = typer.Option(..., "--title"),
    collection: Optional[str] = typer.Option(None, "--collection"),
    track: Optional[str] = typer.Option(None, "--track"),
    creator: Optional[str] = typer.Option(None, "--creator"),
    variant: list[str] = typer.Option([], "--variant", help="Allowed variant (repeatable)"),
    expires_in: Optional[int] = typer.Option(None, "--expires-in", help="Seconds until the key expires"),
    org: Optional[str] = typer.Option(None, "--org", help="Organization id (default: the first)"),
):
    """Create a key and print only the key on stdout."""
    from tonearm.auth.service import create_key
    from tonearm.db.migrate import upgrade
    from tonearm.db.session import session_scope
    from tonearm.errors import ApiError

    settings = _settings()
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    from tonearm.bootstrap import bootstrap
    from tonearm.keyring import Keyring

    bootstrap(settings)
    try:
        with session_scope(settings.database_url) as db:
            _key, plaintext = create_key(
                db,
                keyring=Keyring.of(settings),
                organization_id=_org_id(db, org),
                key_type=type,
                title=title,
                collection_id=uuid.UUID(collection) if collection else None,
                track_id=uuid.UUID(track) if track else None,
                creator_id=uuid.UUID(creator) if creator else None,
                variants=variant or None,
                expires_at=(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in)) if expires_in else None,
            )
    except (ApiError, ValueError) as exc:
        typer.echo(f"tonearm: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    sys.stdout.write(plaintext + "\n")


@keys_app.command("list")
def keys_list(as_json: bool = typer.Option(False, "--json")):
    """List keys (never their secrets)."""
    from tonearm.auth.service import list_keys
    from tonearm.db.session import session_scope
    from tonearm.keys.schemas import api_key_out

    settings = _settings()
    with session_scope(settings.database_url) as db:
        rows = [api_key_out(k) for k in list_keys(db, organization_id=_org_id(db, None))]
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    for r in rows:
        state = "revoked" if r["revoked_at"] else "active"
        typer.echo(f"{r['id']}  {r['api_key_type_id']:<8} {r['prefix']}…  {state:<7} {r['title']}")


@keys_app.command("revoke")
def keys_revoke(key_id: str):
    """Revoke a key by id."""
    from tonearm.auth.service import revoke_key
    from tonearm.db.session import session_scope

    settings = _settings()
    with session_scope(settings.database_url) as db:
        key = revoke_key(db, key_id=uuid.UUID(key_id))
    if key is None:
        typer.echo("tonearm: no such key", err=True)
        raise typer.Exit(1)
    typer.echo(f"tonearm: revoked {key_id}", err=True)


if __name__ == "__main__":  # pragma: no cover
    app()
