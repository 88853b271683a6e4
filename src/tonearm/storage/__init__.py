"""Object storage: pick a backend from a URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from tonearm.storage.base import ObjectInfo, PresigningStorage, Storage, can_presign

if TYPE_CHECKING:
    from tonearm.settings import Settings


def open_storage(url: str, settings: "Settings | None" = None) -> Storage:
    """`file:///path` (local disk) or `s3://bucket/prefix` (S3 settings from `settings`)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from tonearm.storage.local import LocalStorage

        return LocalStorage(Path(parsed.path))
    if parsed.scheme == "s3":
        from tonearm.storage.s3 import S3Storage

        if settings is None:
            from tonearm.settings import get_settings

            settings = get_settings()
        return S3Storage(parsed.netloc, parsed.path, endpoint_url=settings.s3_endpoint_url,
                         region=settings.s3_region, multipart_threshold=settings.s3_multipart_threshold)
    raise ValueError(f"unsupported TONEARM_STORAGE_URL scheme: {parsed.scheme!r}")


__all__ = ["ObjectInfo", "PresigningStorage", "Storage", "can_presign", "open_storage"]
