"""The storage port: one small protocol, a backend chosen by TONEARM_STORAGE_URL."""

from __future__ import annotations

import dataclasses
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

# Keys are built by tonearm.storage.keys from server-made names; backends still refuse anything else.
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key) or ".." in key.split("/") or len(key) > 400:
        raise ValueError(f"invalid storage key: {key!r}")
    return key


@dataclasses.dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float
    etag: str | None = None


class Storage(Protocol):
    def put(self, key: str, src: Path) -> ObjectInfo:
        """Store the file at src under key (atomically: readers never see half an object)."""

    def open(self, key: str, offset: int = 0, length: int | None = None) -> BinaryIO:
        """Open an object (or the byte range offset..offset+length) for streamed reading;
        raises FileNotFoundError."""

    def stat(self, key: str) -> ObjectInfo | None:
        """Size and mtime, or None when missing."""

    def delete(self, key: str) -> None:
        """Remove an object; missing objects are ignored."""

    def fetch(self, key: str, workdir: Path | None = None) -> AbstractContextManager[Path]:
        """A local file with the object's bytes for the duration of the `with` block: the real
        path for local storage, a streamed temporary download (removed afterwards) otherwise.
        Raises FileNotFoundError on entering when the object is missing."""

    def local_path(self, key: str) -> Path | None:
        """A filesystem path to send bytes from, when the backend has one."""


class PresigningStorage(Storage, Protocol):
    """Backends clients can talk to directly (S3): presigned GET, PUT and POST-form URLs."""

    def presign_get(self, key: str, expires_in: int, *, content_type: str | None = None,
                    disposition: str | None = None) -> str: ...

    def presign_put(self, key: str, expires_in: int, *, content_length: int | None = None) -> str: ...

    def presign_post(self, key: str, expires_in: int, *, max_bytes: int, content_type_prefix: str) -> dict: ...


def can_presign(storage: object) -> bool:
    return callable(getattr(storage, "presign_put", None))
