"""The migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tonearm.db.session import get_engine
from tonearm.models import metadata


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    # huey's PostgreSQL queue keeps its own tables (huey_*) in the same database in some tests
    return not (type_ == "table" and reflected and compare_to is None and name.startswith("huey_"))


def test_migrations_match_the_models(database_url):
    with get_engine(database_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours})
        diff = compare_metadata(context, metadata)
    assert diff == []
