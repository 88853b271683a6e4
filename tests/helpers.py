"""Test helpers: create catalog objects through the API and fake processed variants."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.db.session import session_scope
from tonearm.storage import keys
from tonearm.storage.local import LocalStorage


def create_collection(client, org, title: str = "Album") -> dict:
    r = client.post("/v1/collection", json={"title": title}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["collection"]


def create_track(client, org, collection_id, file_name: str = "song.mp3") -> dict:
    r = client.post("/v1/track", json={"collection_id": collection_id, "file_name": file_name}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()


def upload_bytes(client, upload_url: str, data: bytes):
    path = upload_url.replace("http://testserver", "")
    return client.put(path, content=data)


def add_variant_file(settings, track_id, index: str, data: bytes, ext: str, *, codec: str = "mp3",
                     bitrate: int | None = 128, extra_data: dict | None = None) -> str:
    """Stand in for the processing pipeline: store a file for `index` and record its TrackFile row."""
    storage = LocalStorage(Path(settings.storage_url.removeprefix("file://")))
    with session_scope(settings.database_url) as db:
        track = db.get(Track, uuid.UUID(str(track_id)))
        variant = db.scalar(
            select(Variant).where(Variant.organization_id == track.organization_id, Variant.index == index)
        )
        key = keys.variant(track.index, index, ext)
        tmp = Path(settings.data_dir) / f"tmp-{uuid.uuid4().hex}"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        storage.put(key, tmp)
        tmp.unlink()
        db.add(TrackFile(
            track_id=track.id, variant_id=variant.id, variant_index=index,
            path=f"/d/{keys.delivery_name(track.index, index, ext)}", storage_key=key,
            file_name=f"{index}.{ext}", size=len(data), content_type="audio/mpeg",
            data=extra_data, props={"codec": codec, "bitrate": bitrate},
        ))
        track.track_status_id = "ready"
    return key


def make_ready_track(client, org, settings, collection_id, *, data: bytes = b"ID3" + bytes(range(256)) * 40) -> dict:
    created = create_track(client, org, collection_id)
    r = upload_bytes(client, created["track_upload"]["upload_url"], data)
    assert r.status_code == 200, r.text
    track_id = created["track_id"]
    add_variant_file(settings, track_id, "hq", data, "m4a", codec="aac", bitrate=256)
    add_variant_file(settings, track_id, "lq", data, "mp3")
    add_variant_file(settings, track_id, "levels", b"{}", "json", codec=None, bitrate=None,
                     extra_data={"levels": [0.0, 0.5, 1.0]})
    return created
