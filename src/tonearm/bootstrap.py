"""First start: migrate an embedded database, create the default organization and an API Access key."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from tonearm.auth.models import KeyType
from tonearm.auth.service import create_key
from tonearm.catalog.models import Organization
from tonearm.catalog.service import create_organization
from tonearm.db.session import session_scope
from tonearm.keyring import Keyring
from tonearm.settings import Settings


def default_organization(db) -> Organization | None:
    return db.scalar(select(Organization).order_by(Organization.created_at).limit(1))


def bootstrap(settings: Settings) -> str | None:
    """Create the default organization and API key on an empty database.

    Returns the new key's plaintext when one was generated (it is also written to
    <data dir>/bootstrap-key with mode 0600), or None when nothing was created.
    """
    with session_scope(settings.database_url) as db:
        if default_organization(db) is not None:
            return None
        org = create_organization(db, name="Default organization", ladder=settings.default_ladder or None)
        _key, plaintext = create_key(
            db,
            keyring=Keyring.of(settings),
            organization_id=org.id,
            key_type=KeyType.API,
            title="Bootstrap API Access key",
            plaintext=settings.bootstrap_key or None,
        )
    if not settings.bootstrap_key:
        path: Path = settings.data_dir / "bootstrap-key"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(plaintext + "\n")
        return plaintext
    return None
