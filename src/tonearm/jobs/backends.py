"""huey instances for the external queues: Redis and PostgreSQL.

Both keep huey's consumer, task and schedule machinery; only the storage differs.

- `redis://host:port/db` → huey's RedisStorage over one redis-py connection pool per process,
  with short connect timeouts and a small retry budget, so an outage fails an enqueue in well
  under a second instead of hanging a request (the caller logs it; the reaper re-enqueues).
- `postgresql://user@host:port/db` → huey's own SQL storage (huey.contrib.sql_huey) on peewee,
  which drives psycopg 3 when psycopg2 is absent. It dequeues with `SELECT … FOR UPDATE SKIP
  LOCKED`. Tonearm subclasses it only to prefix its tables (`huey_task`, `huey_schedule`, …),
  to create them under an advisory lock (several processes start at once), and to hand
  connections back to a small pool after each enqueue (API threads would otherwise keep one each).

A `queue=NAME` query parameter names the huey queue (default `tonearm`), so several deployments
or test runs can share one Redis database or one PostgreSQL database.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_NAME = "tonearm"
# Any 64-bit constant: the advisory lock that serialises CREATE TABLE of huey's tables.
_DDL_LOCK = 0x746F6E6561726D31


def split_queue_name(url: str) -> tuple[str, str]:
    """Remove `queue=NAME` from a URL's query; return (url without it, name)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    name = next((v for k, v in query if k == "queue" and v), DEFAULT_NAME)
    rest = urlencode([(k, v) for k, v in query if k != "queue"])
    return urlunsplit(parts._replace(query=rest)), name


def redis_huey(url: str):
    from huey import RedisHuey
    from redis import ConnectionPool
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError
    from redis.retry import Retry

    url, name = split_queue_name(url)
    pool = ConnectionPool.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=10,  # > huey's 1 s BRPOP read timeout
        socket_keepalive=True,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 2),
        retry_on_error=[ConnectionError, TimeoutError],
        max_connections=64,
    )
    return RedisHuey(name=name, connection_pool=pool, results=False)


def _pg_storage_class():
    from huey.contrib.sql_huey import SqlStorage

    class PostgresStorage(SqlStorage):
        def create_models(self):
            from peewee import ModelIndex

            models = super().create_models()
            for model in models:
                model._meta.set_table_name("huey_" + model.__name__.lower())
                # Index objects made at class creation still name the old table: make them anew.
                built = [i for i in model._meta.indexes if isinstance(i, ModelIndex)]
                model._meta.indexes = [i for i in model._meta.indexes if not isinstance(i, ModelIndex)]
                for index in built:
                    model.add_index(*index._expressions, unique=index._unique)
            return models

        def create_tables(self):
            db = self.database
            with db.connection_context(), db.atomic():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK - 2**63,))
                db.create_tables([self.KV, self.Schedule, self.Task, self.Counter])

        def _release(self) -> None:
            # Return this thread's connection to the pool unless a transaction is open.
            if not self.database.is_closed() and not self.database.in_transaction():
                self.database.close()

        def enqueue(self, data, priority=None):
            try:
                super().enqueue(data, priority)
            finally:
                self._release()

        def add_to_schedule(self, data, timestamp):
            try:
                super().add_to_schedule(data, timestamp)
            finally:
                self._release()

        def dequeue(self):
            try:
                return super().dequeue()
            except Exception:
                # A dead server leaves a dead connection behind: drop it so the next poll reconnects.
                self.database.close()
                raise

    return PostgresStorage


def postgres_huey(url: str):
    from huey import Huey
    from playhouse.pool import PooledPostgresqlDatabase

    url, name = split_queue_name(url)
    parts = urlsplit(url)
    database = PooledPostgresqlDatabase(
        parts.path.lstrip("/"),
        user=parts.username or None,
        password=parts.password or None,
        host=parts.hostname or None,
        port=parts.port or None,
        max_connections=32,
        stale_timeout=300,
        timeout=10,  # wait at most 10 s for a free pooled connection
        connect_timeout=5,
        **dict(parse_qsl(parts.query)),
    )
    return Huey(name=name, storage_class=_pg_storage_class(), database=database, results=False)
