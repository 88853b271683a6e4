"""The deployment's identity: one row, made by the first `db upgrade` (or first start on SQLite).

Its id is written into storage as a canary object (`tonearm.runtime.write_canary`); a worker reads
it back before taking work, so a worker pointed at other storage refuses to start instead of
declaring every upload missing."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Text, Uuid
from sqlalchemy.orm import Mapped, Session, mapped_column

from tonearm.db.base import Base, UTCDateTime, new_id, utcnow


class Deployment(Base):
    __tablename__ = "deployment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the API wrote the canary (credentials removed): named when a worker cannot find it.
    storage_url: Mapped[str | None] = mapped_column(Text, nullable=True)


def deployment(db: Session) -> Deployment:
    """This database's deployment row (made on first use)."""
    row = db.query(Deployment).order_by(Deployment.created_at).first()
    if row is None:
        row = Deployment(id=uuid.uuid4())
        db.add(row)
        db.flush()
    return row
