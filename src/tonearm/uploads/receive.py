"""The byte receivers behind upload handles: signed, expiring, streamed to storage. Thin HTTP: the
state changes are `uploads/service.py` transitions, each committed here once.

PUT  /u/{track_id}                    audio (single use, MAX_UPLOAD_BYTES, then enqueue processing)
POST /u/{track_id}/cover              cover image (multipart field `file`, or a raw image body)
POST /u/collection/{collection_id}/cover
S3 mode (the bytes went straight to the bucket; these signed calls say they have landed):
POST /u/{track_id}/complete, /u/{track_id}/multipart, /u/{track_id}/cover/complete,
     /u/collection/{collection_id}/cover/complete
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from tonearm.catalog.states import TrackStatus, UploadState
from tonearm.delivery.handles import MAX_COVER_BYTES
from tonearm.errors import Conflict, InsufficientStorage, Invalid, NotFound, TooLarge
from tonearm.http.envelope import ok
from tonearm.http.jsonbody import read_json
from tonearm.jobs.runtime import Runtime
from tonearm.storage import keys
from tonearm.uploads import completion, covers, multipart, service
from tonearm.uploads.completion import Arrival
from tonearm.uploads.schemas import (
    CollectionCoverReceived,
    MultipartPlan,
    TrackCoverReceived,
    UploadCompleted,
    UploadReceived,
)
from tonearm.uploads.covers import check_image_head
from tonearm.uploads.service import Stored

router = APIRouter(tags=["upload targets"])
PROGRESS_SECONDS = 5.0  # how often a streaming PUT tells the database it is alive (upload_progress_at)
log = logging.getLogger("tonearm.uploads")


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _verify(request: Request) -> dict[str, str]:
    return _runtime(request).upload_signer.verify_request(request)


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Invalid("Malformed Content-Length")
    return int(raw)


def _tmp_path(rt: Runtime) -> Path:
    tmp = rt.settings.data_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp / f"upload-{uuid.uuid4().hex}"


async def _receive_to_file(stream, dest: Path, limit: int, on_progress=None) -> tuple[int, str]:
    """Stream chunks to dest with a byte limit; returns (size, sha256). Never holds the whole body.
    `on_progress()` (async) is awaited at most every PROGRESS_SECONDS while bytes arrive."""
    digest = hashlib.sha256()
    size, reported = 0, time.monotonic()
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
                if on_progress is not None and time.monotonic() - reported >= PROGRESS_SECONDS:
                    reported = time.monotonic()
                    await on_progress()
    except OSError as exc:
        if exc.errno in (28, 122):  # ENOSPC, EDQUOT
            raise InsufficientStorage("The server is out of storage space; try again later") from None
        raise
    return size, digest.hexdigest()


def _claim(rt: Runtime, track_id: uuid.UUID) -> str:
    with rt.unit() as db:
        return service.claim(db, track_id)


class ClaimLost(Conflict):
    """The claim was released while this request was stalled; another request may hold it now."""


def _touch(rt: Runtime, track_id: uuid.UUID) -> None:
    with rt.unit() as db:
        if not service.touch(db, track_id):
            raise ClaimLost("This upload stalled and its claim was released; PUT the file again")


def _release(rt: Runtime, track_id: uuid.UUID) -> None:
    with rt.unit() as db:
        service.release(db, track_id)


def _store_original(rt: Runtime, track_id: uuid.UUID, index: str, tmp: Path, size: int, sha256: str) -> None:
    key = keys.original(index)
    rt.storage.put(key, tmp)
    with rt.unit() as db:
        stored = service.mark_stored(db, track_id, key=key, size=size, sha256=sha256, expect=UploadState.RECEIVING)
    if stored is Stored.GONE:  # deleted while uploading
        rt.storage.delete(key)
        raise NotFound("Track not found")
    if stored is not Stored.NOW:
        raise Conflict("This upload was completed by another request")


@router.put("/u/{track_id}", operation_id="uploadTrackFile", response_model=UploadReceived)
async def put_track_file(track_id: uuid.UUID, request: Request):
    rt = _runtime(request)
    params = _verify(request)
    limit = min(int(params.get("max") or rt.settings.max_upload_bytes), rt.settings.max_upload_bytes)
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise TooLarge(f"Upload of {declared} bytes exceeds the limit of {limit} bytes")
    index = await run_in_threadpool(_claim, rt, track_id)
    tmp = _tmp_path(rt)
    try:
        size, sha256 = await _receive_to_file(request.stream(), tmp, limit,
                                              on_progress=lambda: run_in_threadpool(_touch, rt, track_id))
        if size == 0:
            raise Invalid("Empty upload: the request body has no bytes")
        await run_in_threadpool(_store_original, rt, track_id, index, tmp, size, sha256)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)  # free the space first: the database may live on the same full disk
        try:
            if not isinstance(exc, ClaimLost):  # a lost claim is no longer ours to release
                await run_in_threadpool(_release, rt, track_id)
        except Exception:  # keep the original error for the client; a retry after recovery releases it
            log.warning("could not release the upload claim of track %s", track_id, exc_info=True)
        if isinstance(exc, ClientDisconnect):
            raise Invalid("The client disconnected before the upload finished") from None
        raise
    finally:
        tmp.unlink(missing_ok=True)
    job_id = rt.enqueue("processing.track", track_id)
    return ok(track_id=track_id, size=size, sha256=sha256, track_status_id=TrackStatus.PROCESSING, job_id=job_id)


async def _receive_image(request: Request) -> Path:
    declared = _declared_length(request)
    if declared is not None and declared > MAX_COVER_BYTES + 64 * 1024:
        raise TooLarge(f"Cover images are limited to {MAX_COVER_BYTES} bytes")
    tmp = _tmp_path(_runtime(request))
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


@router.post("/u/{track_id}/cover", operation_id="uploadTrackCover", response_model=TrackCoverReceived)
async def post_track_cover(track_id: uuid.UUID, request: Request):
    _verify(request)
    rt = _runtime(request)
    tmp = await _receive_image(request)
    try:
        has_audio = await run_in_threadpool(covers.attach_track_cover, rt, track_id,
                                            lambda key: rt.storage.put(key, tmp))
    finally:
        tmp.unlink(missing_ok=True)
    if has_audio:
        rt.enqueue("processing.cover", track_id)
    return ok(track_id=track_id)


@router.post("/u/collection/{collection_id}/cover",
             operation_id="uploadCollectionCover", response_model=CollectionCoverReceived)
async def post_collection_cover(collection_id: uuid.UUID, request: Request):
    _verify(request)
    rt = _runtime(request)
    tmp = await _receive_image(request)
    try:
        await run_in_threadpool(covers.attach_collection_cover, rt, collection_id,
                                lambda key: rt.storage.put(key, tmp))
    finally:
        tmp.unlink(missing_ok=True)
    rt.enqueue("processing.collection_cover", collection_id)
    return ok(collection_id=collection_id)


@router.post("/u/{track_id}/complete", operation_id="completeTrackUpload", response_model=UploadCompleted)
async def complete_track_upload(track_id: uuid.UUID, request: Request):
    """Idempotent: the first call that finds the object moves the track to processing."""
    params = _verify(request)
    rt = _runtime(request)
    if params.get("upload_id"):  # a multipart upload: finish it first (see uploads/multipart.py)
        await run_in_threadpool(multipart.finish, rt, track_id, params["upload_id"], int(params.get("size") or 0))
    outcome = await run_in_threadpool(completion.check_track, rt, track_id)
    if outcome.state == Arrival.WAITING:
        raise Conflict("The upload has not reached storage yet; PUT the file to upload_url first")
    if outcome.state == Arrival.EMPTY:
        raise Invalid(outcome.reason)
    if outcome.state == Arrival.REJECTED:
        raise TooLarge(outcome.reason or "The upload was rejected")
    return ok(track_id=track_id, size=outcome.size, track_status_id=outcome.track_status_id)


@router.post("/u/{track_id}/multipart", operation_id="startMultipartUpload", response_model=MultipartPlan)
async def start_multipart_upload(track_id: uuid.UUID, request: Request):
    """Tonearm extension for large files in S3 mode: body {"size": bytes} → part URLs."""
    params = _verify(request)
    body = await read_json(request)  # strict JSON: NaN/Infinity are a 400 naming the field
    size = body.get("size") if isinstance(body, dict) else None
    plan = await run_in_threadpool(multipart.start, _runtime(request), track_id, size, int(params["expires"]))
    return ok(track_id=track_id, **plan)


@router.post("/u/{track_id}/cover/complete", operation_id="completeTrackCover", response_model=TrackCoverReceived)
async def complete_track_cover(track_id: uuid.UUID, request: Request):
    _verify(request)
    rt = _runtime(request)
    if await run_in_threadpool(covers.attach_track_cover, rt, track_id,
                               lambda key: covers.check_posted_object(rt, key)):
        rt.enqueue("processing.cover", track_id)
    return ok(track_id=track_id)


@router.post("/u/collection/{collection_id}/cover/complete",
             operation_id="completeCollectionCover", response_model=CollectionCoverReceived)
async def complete_collection_cover(collection_id: uuid.UUID, request: Request):
    _verify(request)
    rt = _runtime(request)
    await run_in_threadpool(covers.attach_collection_cover, rt, collection_id,
                            lambda key: covers.check_posted_object(rt, key))
    rt.enqueue("processing.collection_cover", collection_id)
    return ok(collection_id=collection_id)
