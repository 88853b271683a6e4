"""Daily salts of the listener keys: one random secret per UTC day, shared by every process
through the database, deleted by the rollup job once its day is over."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tonearm.analytics.models import DailySalt


def day_of(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


def salt_for(sessions: sessionmaker[Session], day: str) -> bytes:
    """The salt of `day`, made by whichever process asks first (the others read it)."""
    with sessions() as db:
        found = db.scalar(select(DailySalt.salt).where(DailySalt.day == day))
        if found is not None:
            return bytes.fromhex(found)
        db.add(DailySalt(day=day, salt=secrets.token_hex(32)))
        try:
            db.commit()
        except IntegrityError:  # another process made it first
            db.rollback()
        return bytes.fromhex(db.scalar(select(DailySalt.salt).where(DailySalt.day == day)))


def discard_past(db: Session, today: str) -> int:
    """Delete the salts of days before `today`: their listener keys can never be recomputed."""
    return db.execute(delete(DailySalt).where(DailySalt.day < today)).rowcount or 0


class SaltCache:
    """The salts a recorder uses, in memory for the days it is still writing."""

    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions
        self._days: dict[str, bytes] = {}

    def get(self, day: str) -> bytes:
        salt = self._days.get(day)
        if salt is None:
            for old in [d for d in self._days if d < day]:  # a new day: forget the old salts
                del self._days[old]
            salt = self._days[day] = salt_for(self._sessions, day)
        return salt
