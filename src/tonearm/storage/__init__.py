"""Object storage: pick a backend from a URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from tonearm.storage.base import ObjectInfo, Storage


def open_storage(url: str) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from tonearm.storage.local import LocalStorage

        return LocalStorage(Path(parsed.path))
    raise ValueError(f"unsupported TONEARM_STORAGE_URL scheme: {parsed.scheme!r}")


__all__ = ["ObjectInfo", "Storage", "open_storage"]
