"""The byte receivers behind upload handles: signed, expiring, streamed to storage.

PUT  /u/{track_id}                    audio (single use, MAX_UPLOAD_BYTES, then enqueue processing)
POST /u/{track_id}/cover              cover image (multipart field `file`, or a raw image body)
POST /u/collection/{collection_id}/cover
"""

from __future__ import annotations

import hashlib
import logging

import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from tonearm.api.envelope import ok
from tonearm.catalog.models import Collection, Track
from tonearm.db.base import utcnow
from tonearm.delivery.signing import verify_path
from tonearm.errors import Conflict, Forbidden, InsufficientStorage, Invalid, NotFound, TooLarge
from tonearm.storage import keys
from tonearm.uploads.handles import MAX_COVER_BYTES

router = APIRouter(tags=["upload targets"])
log = logging.getLogger("tonearm.uploads")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def check_image_head(head: bytes) -> None:
    """Sniff the first bytes: covers are judged by content, never by the client's name or type."""
    if not (head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")):
        raise Invalid("The cover is not a supported image (JPEG, PNG, GIF, WebP, BMP or TIFF)")


def _verify(request: Request) -> dict[str, str]:
    settings = request.app.state.settings
    return verify_path(settings.secret_key, request.url.path, request.scope.get("query_string", b"").decode("latin-1"))


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Invalid("Malformed Content-Length")
    return int(raw)


def _tmp_path(request: Request) -> Path:
    tmp = request.app.state.settings.data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp / f"upload-{uuid.uuid4().hex}"


async def _receive_to_file(stream, dest: Path, limit: int) -> tuple[int, str]:
    """Stream chunks to dest with a byte limit; returns (size, sha256). Never holds the whole body."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(dest, "wb") as fh:
            async for chunk in stream:
                if not chunk:
                    continue
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"Upload exceeds the limit of {limit} bytes")
                digest.update(chunk)
                fh.write(chunk)
    except OSError as exc:
        if exc.errno in (28, 122):  # ENOSPC, EDQUOT
            raise InsufficientStorage("The server is out of storage space; try again later") from None
        raise
    return size, digest.hexdigest()


def _claim(sessionmaker, track_id: uuid.UUID) -> str:
    """pending → receiving, atomically: a second PUT to the same URL finds nothing to claim."""
    with sessionmaker() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        result = db.execute(
            update(Track).where(Track.id == track_id, Track.upload_state == "pending").values(upload_state="receiving")
        )
        db.commit()
        if result.rowcount != 1:
            raise Forbidden("This upload URL has already been used")
        return track.index


def _release(sessionmaker, track_id: uuid.UUID) -> None:
    with sessionmaker() as db:
        db.execute(
            update(Track).where(Track.id == track_id, Track.upload_state == "receiving").values(upload_state="pending")
        )
        db.commit()


def mark_stored(sessionmaker, storage, track_id: uuid.UUID, *, key: str, size: int, sha256: str | None,
                expect: str) -> bool:
    """The original is in storage: upload_state `expect` → stored, the track → processing, atomically.

    Every completion path ends here (a PUT to Tonearm, an S3 completion call, a HEAD check), so a
    track moves to processing exactly once. Returns False when another path got there first; the
    caller enqueues `processing.track` only on True, after this commit."""
    with sessionmaker() as db:
        result = db.execute(
            update(Track)
            .where(Track.id == track_id, Track.upload_state == expect)
            .values(
                upload_state="stored", original_key=key, original_sha256=sha256, size=size,
                track_status_id="processing", status_text="Queued for processing", files_completed_at=None,
                attempts=0, lease_expires_at=None, updated_at=utcnow(),
            )
        )
        db.commit()
        if result.rowcount == 1:
            return True
        exists = db.get(Track, track_id) is not None
    if not exists:  # deleted while uploading
        storage.delete(key)
        raise NotFound("Track not found")
    return False


def _store_original(app, track_id: uuid.UUID, index: str, tmp: Path, size: int, sha256: str) -> str:
    key = keys.original(index)
    app.state.storage.put(key, tmp)
    if not mark_stored(app.state.sessionmaker, app.state.storage, track_id, key=key, size=size, sha256=sha256,
                       expect="receiving"):
        raise Conflict("This upload was completed by another request")
    return "processing"


@router.put("/u/{track_id}")
async def put_track_file(track_id: uuid.UUID, request: Request):
    app = request.app
    params = _verify(request)
    limit = min(int(params.get("max") or app.state.settings.max_upload_bytes), app.state.settings.max_upload_bytes)
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise TooLarge(f"Upload of {declared} bytes exceeds the limit of {limit} bytes")
    index = await run_in_threadpool(_claim, app.state.sessionmaker, track_id)
    tmp = _tmp_path(request)
    try:
        size, sha256 = await _receive_to_file(request.stream(), tmp, limit)
        if size == 0:
            raise Invalid("Empty upload: the request body has no bytes")
        status = await run_in_threadpool(_store_original, app, track_id, index, tmp, size, sha256)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)  # free the space first: the database may live on the same full disk
        try:
            await run_in_threadpool(_release, app.state.sessionmaker, track_id)
        except Exception:  # keep the original error for the client; a retry after recovery releases it
            log.warning("could not release the upload claim of track %s", track_id, exc_info=True)
        if isinstance(exc, ClientDisconnect):
            raise Invalid("The client disconnected before the upload finished") from None
        raise
    finally:
        tmp.unlink(missing_ok=True)
    job_id = app.state.queue.enqueue("processing.track", str(track_id))
    return ok(track_id=track_id, size=size, sha256=sha256, track_status_id=status, job_id=job_id)


async def _receive_image(request: Request) -> Path:
    declared = _declared_length(request)
    if declared is not None and declared > MAX_COVER_BYTES + 64 * 1024:
        raise TooLarge(f"Cover images are limited to {MAX_COVER_BYTES} bytes")
    tmp = _tmp_path(request)
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=20)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Invalid("Multipart cover uploads need a file field named 'file'")

            async def chunks():
                while chunk := await upload.read(64 * 1024):
                    yield chunk

            size, _ = await _receive_to_file(chunks(), tmp, MAX_COVER_BYTES)
            await form.close()
        else:
            size, _ = await _receive_to_file(request.stream(), tmp, MAX_COVER_BYTES)
        if size == 0:
            raise Invalid("Empty cover upload")
        with open(tmp, "rb") as fh:
            check_image_head(fh.read(16))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _store_track_cover(app, track_id: uuid.UUID, tmp: Path) -> bool:
    with app.state.sessionmaker() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        key = keys.cover_upload(track.index)
        app.state.storage.put(key, tmp)
        track.cover_key = key
        db.commit()
        return track.upload_state == "stored"


def _store_collection_cover(app, collection_id: uuid.UUID, tmp: Path) -> None:
    with app.state.sessionmaker() as db:
        col = db.get(Collection, collection_id)
        if col is None:
            raise NotFound("Collection not found")
        key = keys.collection_cover_upload(col.id)
        app.state.storage.put(key, tmp)
        col.cover_key = key
        db.commit()


@router.post("/u/{track_id}/cover")
async def post_track_cover(track_id: uuid.UUID, request: Request):
    _verify(request)
    tmp = await _receive_image(request)
    try:
        has_audio = await run_in_threadpool(_store_track_cover, request.app, track_id, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    if has_audio:
        request.app.state.queue.enqueue("processing.cover", str(track_id))
    return ok(track_id=track_id)


@router.post("/u/collection/{collection_id}/cover")
async def post_collection_cover(collection_id: uuid.UUID, request: Request):
    _verify(request)
    tmp = await _receive_image(request)
    try:
        await run_in_threadpool(_store_collection_cover, request.app, collection_id, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    request.app.state.queue.enqueue("processing.collection_cover", str(collection_id))
    return ok(collection_id=collection_id)


# ---- S3 mode: the bytes went straight to the bucket; these signed calls say they have landed.


def _deps(request: Request):
    from tonearm.uploads.completion import Deps

    return Deps.of(request.app.state)


@router.post("/u/{track_id}/complete")
async def complete_track_upload(track_id: uuid.UUID, request: Request):
    """Idempotent: the first call that finds the object moves the track to processing."""
    from tonearm.uploads.completion import check_track

    params = _verify(request)
    if params.get("upload_id"):  # a multipart upload: finish it first (see uploads/multipart.py)
        from tonearm.uploads.multipart import finish

        await run_in_threadpool(finish, _deps(request), track_id, params["upload_id"], int(params.get("size") or 0))
    outcome = await run_in_threadpool(check_track, _deps(request), track_id)
    if outcome.state == "waiting":
        raise Conflict("The upload has not reached storage yet; PUT the file to upload_url first")
    if outcome.state == "empty":
        raise Invalid(outcome.reason)
    if outcome.state == "rejected":
        raise TooLarge(outcome.reason or "The upload was rejected")
    return ok(track_id=track_id, size=outcome.size, track_status_id=outcome.track_status_id)


@router.post("/u/{track_id}/multipart")
async def start_multipart_upload(track_id: uuid.UUID, request: Request):
    """Tonearm extension for large files in S3 mode: body {"size": bytes} → part URLs."""
    from tonearm.uploads.multipart import start

    params = _verify(request)
    try:
        body = await request.json()
    except ValueError:
        raise Invalid("Malformed JSON body") from None
    size = body.get("size") if isinstance(body, dict) else None
    plan = await run_in_threadpool(start, _deps(request), track_id, size, int(params["expires"]))
    return ok(track_id=track_id, **plan)


@router.post("/u/{track_id}/cover/complete")
async def complete_track_cover(track_id: uuid.UUID, request: Request):
    from tonearm.uploads import completion

    _verify(request)
    has_audio = await run_in_threadpool(completion.complete_track_cover, _deps(request), track_id)
    if has_audio:
        request.app.state.queue.enqueue("processing.cover", str(track_id))
    return ok(track_id=track_id)


@router.post("/u/collection/{collection_id}/cover/complete")
async def complete_collection_cover(collection_id: uuid.UUID, request: Request):
    from tonearm.uploads import completion

    _verify(request)
    await run_in_threadpool(completion.complete_collection_cover, _deps(request), collection_id)
    request.app.state.queue.enqueue("processing.collection_cover", str(collection_id))
    return ok(collection_id=collection_id)
