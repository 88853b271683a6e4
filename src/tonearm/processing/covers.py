"""Cover art: pick the source (uploaded cover, else embedded art), make the sizes, read colours."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tonearm import media  # its cover functions load PyAV on first use, not here (processing/tasks.py)
from tonearm.media import MediaError, is_dark, palette
from tonearm.storage import keys


@contextmanager
def cover_source(storage, cover_key: str | None, audio: Path, work: Path) -> Iterator[Path | None]:
    """The image to use, as a local file: the uploaded cover (fetched from storage) wins over art
    embedded in the audio file; None when there is neither."""
    if cover_key:
        with ExitStack() as stack:
            try:
                local = stack.enter_context(storage.fetch(cover_key, work))
            except FileNotFoundError:  # only a missing object falls back; errors in the caller's block pass
                local = None
            if local is not None:
                yield Path(local)
                return
    try:
        data = media.extract_cover(audio)
    except MediaError:
        data = None
    if not data:
        yield None
        return
    path = work / "embedded-cover"
    path.write_bytes(data)
    yield path


def make_sizes(image: Path, work: Path) -> tuple[dict, list[dict], str | None]:
    """(sizes from media.cover_sizes, palette, chosen player colour); raises MediaError."""
    made = media.cover_sizes(image, work / "cover")
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


def collection_cover_sizes(storage, collection_id: uuid.UUID, source_key: str, work: Path) -> tuple[dict, list, str | None]:
    try:
        with storage.fetch(source_key, work) as local:
            sizes, colors, chosen = make_sizes(Path(local), work)
    except FileNotFoundError:
        raise MediaError("collection cover is missing from storage") from None
    out = {}
    for name, spec in sizes.items():
        key = keys.collection_cover(collection_id, name)
        storage.put(key, Path(spec["path"]))
        out[name] = {
            "key": key,
            "path": "/d/" + keys.collection_cover_delivery_name(collection_id, name),
            "width": spec["width"],
            "height": spec["height"],
        }
    return out, colors, chosen


def darkness(color: str | None) -> bool:
    return bool(color) and is_dark(color)
