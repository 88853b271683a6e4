"""Every object key is built here, from server-made names only (never client file names)."""

from __future__ import annotations

import re
import uuid

_INDEX = re.compile(r"^[0-9a-f]{16}$")
_SUFFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EXT = re.compile(r"^[a-z0-9]{1,5}$")
# Public delivery name: {track index}_{suffix}.{ext}
DELIVERY_NAME = re.compile(r"^([0-9a-f]{16})_([a-z0-9][a-z0-9_-]{0,63})\.([a-z0-9]{1,5})$")


# Written by the API at start, read by every worker before it takes work (tonearm/runtime.py).
CANARY = "tonearm/canary.json"


def _check(track_index: str) -> str:
    if not _INDEX.match(track_index):
        raise ValueError(f"bad track index {track_index!r}")
    return track_index


def track_prefix(track_index: str) -> str:
    return f"tracks/{_check(track_index)}"


def original(track_index: str) -> str:
    return f"{track_prefix(track_index)}/source"


def cover_upload(track_index: str) -> str:
    return f"{track_prefix(track_index)}/cover-upload"


def variant(track_index: str, suffix: str, ext: str) -> str:
    if not _SUFFIX.match(suffix) or not _EXT.match(ext):
        raise ValueError(f"bad variant name {suffix!r}.{ext!r}")
    return f"{track_prefix(track_index)}/{suffix}.{ext}"


def collection_cover_upload(collection_id: uuid.UUID) -> str:
    return f"collections/{collection_id}/cover-upload"


def collection_cover(collection_id: uuid.UUID, size: str) -> str:
    if not _SUFFIX.match(size):
        raise ValueError(f"bad cover size {size!r}")
    return f"collections/{collection_id}/cover_{size}.jpg"


def delivery_name(track_index: str, suffix: str, ext: str) -> str:
    variant(track_index, suffix, ext)
    return f"{track_index}_{suffix}.{ext}"


COLLECTION_COVER_NAME = re.compile(r"^c([0-9a-f]{32})_cover_([a-z0-9]{1,16})\.jpg$")


def collection_cover_delivery_name(collection_id: uuid.UUID, size: str) -> str:
    collection_cover(collection_id, size)
    return f"c{uuid.UUID(str(collection_id)).hex}_cover_{size}.jpg"


def key_for_delivery_name(name: str) -> str | None:
    m = DELIVERY_NAME.match(name)
    if m:
        return variant(m.group(1), m.group(2), m.group(3))
    m = COLLECTION_COVER_NAME.match(name)
    if m:
        return collection_cover(uuid.UUID(m.group(1)), m.group(2))
    return None
