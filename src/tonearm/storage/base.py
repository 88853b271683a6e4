"""The storage port: one small protocol, a backend chosen by TONEARM_STORAGE_URL."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclasses.dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float


class Storage(Protocol):
    def put(self, key: str, src: Path) -> ObjectInfo:
        """Store the file at src under key (atomically: readers never see half an object)."""

    def open(self, key: str) -> BinaryIO:
        """Open an object for reading; raises FileNotFoundError."""

    def stat(self, key: str) -> ObjectInfo | None:
        """Size and mtime, or None when missing."""

    def delete(self, key: str) -> None:
        """Remove an object; missing objects are ignored."""

    def local_path(self, key: str) -> Path | None:
        """A filesystem path to send bytes from, when the backend has one."""
