"""One way to page a list: the total count plus one window of rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def paged(db: Session, model, *where, order_by, limit: int, offset: int) -> tuple[int, list]:
    count = db.scalar(select(func.count()).select_from(model).where(*where)) or 0
    rows = db.scalars(select(model).where(*where).order_by(*order_by).limit(limit).offset(offset))
    return count, list(rows)
