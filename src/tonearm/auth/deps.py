"""The authenticated key of a request, as FastAPI dependencies (`AnyKey`, `ApiKeyDep`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tonearm.auth.models import KeyType
from tonearm.auth.service import Principal, authenticate
from tonearm.http.deps import get_db


def current_principal(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
    keyring = request.app.state.runtime.keyring
    try:
        principal = authenticate(db, keyring=keyring, authorization=request.headers.get("authorization"))
    finally:
        # End the transaction now (committing a digest stored again under the current pepper, if
        # any): FastAPI runs the endpoint in another threadpool call, and a connection held while
        # waiting for a thread starves the pool under load (all threads then wait for connections
        # held by requests that wait for threads).
        db.commit()
    request.app.state.limiter.key(principal.key_id)
    return principal


def api_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    return principal.require(KeyType.API)


AnyKey = Annotated[Principal, Depends(current_principal)]
ApiKeyDep = Annotated[Principal, Depends(api_principal)]
