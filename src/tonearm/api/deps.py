"""Request dependencies: database session, settings, and the authenticated key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tonearm.auth.service import Principal, authenticate
from tonearm.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    db = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        db.close()


def current_principal(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
    settings: Settings = request.app.state.settings
    try:
        principal = authenticate(db, secret_key=settings.secret_key, authorization=request.headers.get("authorization"))
    finally:
        # End the read transaction now: FastAPI runs the endpoint in another threadpool call, and a
        # connection held while waiting for a thread starves the pool under load (all threads then
        # wait for connections held by requests that wait for threads).
        db.rollback()
    request.app.state.limiter.key(principal.key_id)
    return principal


def api_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return principal.require("api")


DB = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AnyKey = Annotated[Principal, Depends(current_principal)]
ApiKeyDep = Annotated[Principal, Depends(api_principal)]


def get_storage(request: Request):
    return request.app.state.storage


def get_queue(request: Request):
    return request.app.state.queue


StorageDep = Annotated[object, Depends(get_storage)]
QueueDep = Annotated[object, Depends(get_queue)]
