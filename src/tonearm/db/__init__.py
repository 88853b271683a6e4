"""Database plumbing: declarative base, column types, engine and sessions."""

from tonearm.db.base import Base, JSONType, UTCDateTime, new_id, utcnow
from tonearm.db.session import get_engine, get_sessionmaker, session_scope

__all__ = ["Base", "JSONType", "UTCDateTime", "new_id", "utcnow", "get_engine", "get_sessionmaker", "session_scope"]
