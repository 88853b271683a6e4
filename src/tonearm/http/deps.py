"""Request dependencies every stage's routes share: the runtime, a database session, settings.

The authenticated key is a dependency of the auth stage (`auth/deps.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tonearm.jobs.runtime import Runtime
from tonearm.settings import Settings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.runtime.settings


def get_db(request: Request) -> Iterator[Session]:
    db = request.app.state.runtime.sessionmaker()
    try:
        yield db
    finally:
        db.close()


def get_storage(request: Request):
    return request.app.state.runtime.storage


def get_queue(request: Request):
    return request.app.state.runtime.queue


DB = Annotated[Session, Depends(get_db)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[object, Depends(get_storage)]
QueueDep = Annotated[object, Depends(get_queue)]
