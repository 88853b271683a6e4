"""Cover art: pick the source (uploaded cover, else embedded art), make the sizes, read colours."""

from __future__ import annotations

import uuid
from pathlib import Path

from tonearm.media import MediaError, cover_sizes, extract_cover, is_dark, palette
from tonearm.storage import keys


def cover_source(storage, cover_key: str | None, audio: Path, work: Path) -> Path | None:
    """The image to use: the uploaded cover wins over art embedded in the audio file."""
    if cover_key:
        local = storage.local_path(cover_key)
        if local is not None and Path(local).exists():
            return Path(local)
    try:
        data = extract_cover(audio)
    except MediaError:
        data = None
    if not data:
        return None
    path = work / "embedded-cover"
    path.write_bytes(data)
    return path


def make_sizes(image: Path, work: Path) -> tuple[dict, list[dict], str | None]:
    """(sizes from media.cover_sizes, palette, chosen player colour); raises MediaError."""
    made = cover_sizes(image, work / "cover")
    colors = palette(image)
    chosen = next((c["hex"] for c in colors if c.get("active")), None)
    return made["sizes"], colors, chosen


def store_track_sizes(storage, track_index: str, variant_index: str, sizes: dict) -> dict:
    out = {}
    for name, spec in sizes.items():
        key = keys.variant(track_index, f"{variant_index}_{name}", "jpg")
        storage.put(key, Path(spec["path"]))
        out[name] = {
            "key": key,
            "path": "/d/" + keys.delivery_name(track_index, f"{variant_index}_{name}", "jpg"),
            "width": spec["width"],
            "height": spec["height"],
        }
    return out


def collection_cover_sizes(ctx, collection_id: uuid.UUID, source_key: str, work: Path) -> tuple[dict, list, str | None]:
    local = ctx.storage.local_path(source_key)
    if local is None or not Path(local).exists():
        raise MediaError("collection cover is missing from storage")
    sizes, colors, chosen = make_sizes(Path(local), work)
    out = {}
    for name, spec in sizes.items():
        key = keys.collection_cover(collection_id, name)
        ctx.storage.put(key, Path(spec["path"]))
        out[name] = {
            "key": key,
            "path": "/d/" + keys.collection_cover_delivery_name(collection_id, name),
            "width": spec["width"],
            "height": spec["height"],
        }
    return out, colors, chosen


def darkness(color: str | None) -> bool:
    return bool(color) and is_dark(color)
