"""tus 1.0.0 resumable uploads over HTTP (docs/uploads.md). Thin: flows are uploads/tus.py.

OPTIONS /u/{track_id}/tus[/{upload_id}]   capabilities (no signature needed)
POST    /u/{track_id}/tus                 creation (+ creation-with-upload); signed URL from
                                          track_upload_resumable.url, bound to the track
HEAD    /u/{track_id}/tus/{upload_id}     offset (Cache-Control: no-store)
PATCH   /u/{track_id}/tus/{upload_id}     bytes at Upload-Offset (409 elsewhere, 413 past the length,
                                          460 on a checksum mismatch)
DELETE  /u/{track_id}/tus/{upload_id}     termination
POST    /u/{track_id}/tus/{upload_id}     with X-HTTP-Method-Override: PATCH | DELETE | HEAD
The upload URL (Location) is signed too, valid until the upload expires.
"""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from tonearm.errors import ApiError, Conflict, Invalid, TooLarge
from tonearm.jobs.runtime import Runtime
from tonearm.uploads import tus, tus_proto
from tonearm.uploads.models import TusState
from tonearm.uploads.tus_proto import OFFSET_TYPE, ChecksumMismatch, UnsupportedMediaType

router = APIRouter(tags=["upload targets"])
# Every answer acknowledges only fsynced bytes. Within a long PATCH (tus-js-client's default is one
# PATCH for the whole file) the offset is also made durable this often, so a crash mid-request
# loses little; and the request's hold on the upload (tus_state.HOLD_SECONDS) is renewed.
CHECKPOINT_BYTES = 64 * 1024 * 1024
CHECKPOINT_SECONDS = 5.0
SPOOL_BLOCK = 1024 * 1024
# While a body arrives, the disk is set to write what came so far this often (fdatasync in a
# thread, one at a time), so the fsync before the answer waits for the last few MiB only rather
# than the whole chunk: receiving and writing overlap (docs/performance.md, tus vs PUT).
WRITEBACK_BYTES = 4 * 1024 * 1024
HEAD_WAIT_SECONDS = 3.0  # a HEAD waits this long for a PATCH in progress to let go of the upload


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _tus_headers(exc: ApiError) -> ApiError:
    exc.headers = {**exc.headers, "Tus-Resumable": tus_proto.VERSION}
    return exc


def _upload_url(rt: Runtime, up: tus.Upload) -> str:
    return rt.upload_signer.url_until(f"/u/{up.track_id}/tus/{up.id}", up.expires_at)


def _state_headers(up: tus.Upload) -> dict[str, str]:
    headers = {"Tus-Resumable": tus_proto.VERSION, "Upload-Offset": str(up.offset)}
    if up.state == TusState.RECEIVING:
        headers["Upload-Expires"] = tus_proto.http_date(up.expires_at)
    return headers


def _begin(request: Request) -> Runtime:
    rt = _rt(request)
    rt.upload_signer.verify_request(request)
    tus_proto.check_version(request.headers)
    return rt


def _is_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() not in ("", "0")) or "transfer-encoding" in request.headers


@router.options("/u/{track_id}/tus", include_in_schema=False)
@router.options("/u/{track_id}/tus/{upload_id}", include_in_schema=False)
async def tus_options(request: Request):
    return Response(status_code=204, headers=tus_proto.capabilities(_rt(request).settings.max_upload_bytes))


@router.post("/u/{track_id}/tus", operation_id="createTusUpload")
async def tus_create(track_id: uuid.UUID, request: Request):
    """tus creation: Upload-Length (≤ the track's declared file_size and MAX_UPLOAD_BYTES) → 201 Location."""
    try:
        rt = _begin(request)
        if "upload-defer-length" in request.headers:
            raise Invalid("Upload-Defer-Length is not supported: send Upload-Length")
        length = tus_proto.whole_number(request.headers.get("upload-length"), "Upload-Length")
        if length > rt.settings.max_upload_bytes:
            raise TooLarge(f"Upload-Length {length} exceeds Tus-Max-Size {rt.settings.max_upload_bytes}")
        meta = tus_proto.metadata(request.headers.get("upload-metadata"))
        if _is_body(request) and request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_TYPE:
            raise UnsupportedMediaType()
        up = await run_in_threadpool(tus.create, rt, track_id, length, meta)
        headers = {"Location": _upload_url(rt, up), **_state_headers(up)}
        if _is_body(request):  # creation-with-upload
            up = await _receive(rt, request, up, 0)
            headers.update(_state_headers(up))
        return Response(status_code=201, headers=headers)
    except ApiError as exc:
        raise _tus_headers(exc) from None


# HEAD answers have no body, so no envelope: left out of the OpenAPI document (docs/uploads.md has it).
@router.head("/u/{track_id}/tus/{upload_id}", include_in_schema=False)
async def tus_head(track_id: uuid.UUID, upload_id: uuid.UUID, request: Request):
    try:
        rt = _begin(request)
        up = await run_in_threadpool(tus.head, rt, track_id, upload_id)
        waited = 0.0
        while up.busy and waited < HEAD_WAIT_SECONDS:
            # A PATCH cut off a moment ago may not have recorded its last bytes yet: answering now
            # would send the client back to an offset that is about to move (a 409, a chunk wasted).
            await asyncio.sleep(0.1)
            waited += 0.1
            up = await run_in_threadpool(tus.head, rt, track_id, upload_id)
    except ApiError as exc:
        raise _tus_headers(exc) from None
    headers = {**_state_headers(up), "Upload-Length": str(up.length), "Cache-Control": "no-store"}
    if up.metadata:
        headers["Upload-Metadata"] = up.metadata
    return Response(status_code=200, headers=headers)


@router.patch("/u/{track_id}/tus/{upload_id}", operation_id="patchTusUpload")
async def tus_patch(track_id: uuid.UUID, upload_id: uuid.UUID, request: Request):
    try:
        rt = _begin(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_TYPE:
            raise UnsupportedMediaType()
        claimed = tus_proto.whole_number(request.headers.get("upload-offset"), "Upload-Offset")
        up = await run_in_threadpool(tus.load, rt, track_id, upload_id)
        if up.state == TusState.COMPLETE:
            if claimed == up.length and not _is_body(request):
                return Response(status_code=204, headers=_state_headers(up))
            raise Conflict("This upload is complete")
        up = await _receive(rt, request, up, claimed)
        return Response(status_code=204, headers=_state_headers(up))
    except ApiError as exc:
        raise _tus_headers(exc) from None


@router.delete("/u/{track_id}/tus/{upload_id}", operation_id="terminateTusUpload")
async def tus_delete(track_id: uuid.UUID, upload_id: uuid.UUID, request: Request):
    try:
        rt = _begin(request)
        await run_in_threadpool(tus.terminate, rt, track_id, upload_id)
    except ApiError as exc:
        raise _tus_headers(exc) from None
    return Response(status_code=204, headers={"Tus-Resumable": tus_proto.VERSION})


@router.post("/u/{track_id}/tus/{upload_id}", operation_id="overrideTusUpload")
async def tus_override(track_id: uuid.UUID, upload_id: uuid.UUID, request: Request):
    """For clients behind proxies that only pass GET and POST (tus-js-client's overridePatchMethod)."""
    method = request.headers.get("x-http-method-override", "").upper()
    handler = {"PATCH": tus_patch, "DELETE": tus_delete, "HEAD": tus_head}.get(method)
    if handler is None:
        raise _tus_headers(Invalid("POST to an upload URL needs X-HTTP-Method-Override: PATCH, DELETE or HEAD"))
    return await handler(track_id, upload_id, request)


# ---- receiving a PATCH body


async def _receive(rt: Runtime, request: Request, up: tus.Upload, claimed: int) -> tus.Upload:
    """Write the body at `claimed` (the upload's offset, or 409), acknowledging as it goes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and claimed + int(declared) > up.length:
        raise TooLarge(f"{claimed} + {declared} bytes would pass Upload-Length {up.length}")
    check = tus_proto.checksum(request.headers.get("upload-checksum"))
    writer = tus.Writer(rt, up)
    await run_in_threadpool(writer.begin, claimed)
    overflow = False
    try:
        if check is None:
            overflow = await _pump(writer, request.stream())
        else:
            overflow = await _checked(rt, writer, request, check)
    except ClientDisconnect:  # keep what arrived (fsynced, recorded): the client resumes from there
        await run_in_threadpool(writer.end)
        raise Invalid("The client disconnected; the bytes that arrived are kept") from None
    except BaseException:
        await run_in_threadpool(writer.close)
        raise
    up = await run_in_threadpool(writer.end)
    if overflow:
        raise TooLarge(f"The body passes Upload-Length {up.length}; the bytes up to it are kept",
                       headers={"Upload-Offset": str(up.offset)})
    return up


class _Writeback:
    """At most one early writeback (Staging.writeback) in flight; `drain` before anything else
    touches the staging (a part upload, a checkpoint, the end of the request)."""

    def __init__(self, staging):
        self.mark = staging.offset
        self.task: asyncio.Future | None = None

    async def poke(self, staging) -> None:
        if self.task is not None and self.task.done():
            await self.drain()  # raises what the writeback raised
        if self.task is None and staging.offset - self.mark >= WRITEBACK_BYTES:
            self.mark = staging.offset
            self.task = asyncio.ensure_future(run_in_threadpool(staging.writeback))

    async def drain(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            await task


async def _pump(writer: tus.Writer, chunks) -> bool:
    """Stream chunks into the staging; True when the body holds more than Upload-Length allows."""
    staging, synced_at = writer.staging, time.monotonic()
    early = _Writeback(staging)
    try:
        async for chunk in chunks:
            view = memoryview(chunk)
            while view:
                n = writer.staging.room(len(view))
                if n == 0:
                    return True
                staging = writer.staging
                staging.write(view[:n])
                view = view[n:]
                if staging.part_full:
                    await early.drain()
                    await run_in_threadpool(writer.part)
                    early.mark, synced_at = writer.staging.offset, time.monotonic()
            if staging.offset - writer.acked >= CHECKPOINT_BYTES or time.monotonic() - synced_at >= CHECKPOINT_SECONDS:
                await early.drain()
                await run_in_threadpool(writer.checkpoint)
                synced_at = time.monotonic()
            else:
                await early.poke(staging)
    finally:
        await early.drain()
    return False


async def _checked(rt: Runtime, writer: tus.Writer, request: Request, check) -> bool:
    """Upload-Checksum: spool the chunk, compare its digest (460 and nothing kept when it differs),
    then write it."""
    digest, expected = check
    tmp_dir = rt.settings.data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    spool = tmp_dir / f"tus-chunk-{uuid.uuid4().hex}"
    room, size = writer.up.length - writer.acked, 0
    try:
        with open(spool, "wb") as fh:
            async for chunk in request.stream():
                size += len(chunk)
                if size > room:
                    return True
                digest.update(chunk)
                fh.write(chunk)
        if not hmac.compare_digest(digest.digest(), expected):
            raise ChecksumMismatch()
        return await _pump(writer, _read_blocks(spool))
    finally:
        spool.unlink(missing_ok=True)


async def _read_blocks(path: Path):
    with open(path, "rb") as fh:
        while block := fh.read(SPOOL_BLOCK):
            yield block
