"""``Tonearm`` (sync) and ``AsyncTonearm`` (async): resources plus the upload/wait/play/download helpers."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx

from tonearm.client._http import AsyncCore, Call, SyncCore, connection_error, decode
from tonearm.client.errors import AuthenticationError, PermissionDeniedError, ProcessingError, TonearmError, WaitTimeout
from tonearm.client.models import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    PlaySession,
    Track,
    TrackUpload,
    UploadHandle,
    UploadResult,
)
from tonearm.client.podcasts import Podcasts
from tonearm.client.resources import (
    ApiKeys,
    Collections,
    Creators,
    Organizations,
    Playlists,
    PlaySessions,
    Tracks,
    UploadSessions,
    Variants,
)
from tonearm.client.stats import Stats
from tonearm.client.uploads import (
    CHUNK,
    Progress,
    SentCounter,
    aiter_file,
    cover_request,
    download_target,
    iter_file,
    sha256_file,
)
from tonearm.client.tus import RESUMABLE_THRESHOLD, ResumeStore, aresumable_track, resumable_track
from tonearm.client.webhooks import verify_webhook

DEFAULT_URL = "http://127.0.0.1:8000"


class _Common:
    def _init_resources(self) -> None:
        self.organization = Organizations(self)
        self.creators = Creators(self)
        self.collections = Collections(self)
        self.tracks = Tracks(self)
        self.variants = Variants(self)
        self.playlists = Playlists(self)
        self.upload_sessions = UploadSessions(self)
        self.play_sessions = PlaySessions(self)
        self.api_keys = ApiKeys(self)
        self.podcasts = Podcasts(self)
        self.stats = Stats(self)

    verify_webhook = staticmethod(verify_webhook)

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @staticmethod
    def _upload_plan(path: str | os.PathLike, file_name: str | None, metadata: dict | None,
                     sha256: str | None) -> tuple[Path, int, str, dict]:
        p = Path(path)
        if not p.is_file():
            raise TonearmError(f"Not a file: {p}")
        size = p.stat().st_size
        digest = sha256 or sha256_file(p)
        return p, size, file_name or p.name, {**(metadata or {}), "sha256": digest}

    @staticmethod
    def _scope(collection_id: str | None, track_id: str | None, playlist_id: str | None) -> str:
        given = [s for s, v in (("collection", collection_id), ("track", track_id), ("playlist", playlist_id)) if v]
        if len(given) != 1:
            raise ValueError("give exactly one of collection_id, track_id or playlist_id")
        return given[0]

    @staticmethod
    def _settled(track: Track) -> Track | None:
        if track.track_status_id in FAILED_STATUSES:
            raise ProcessingError(
                f"Track {track.file_name or track.id} failed ({track.track_status_id}): "
                f"{track.status_text or 'no details'}", track=track)
        return track if track.track_status_id in TERMINAL_STATUSES else None

    @staticmethod
    def _from_session(ses) -> TrackUpload:
        return TrackUpload(track_id=ses.track_id, track=ses.track, track_upload=ses.track_upload,
                           track_cover_upload=ses.track_cover_upload, upload_session_id=ses.upload_session_id,
                           track_upload_resumable=ses.track_upload_resumable)


class Tonearm(_Common):
    """Synchronous client. ``with Tonearm(url, key) as tn: tn.collections.list()``."""

    def __init__(self, base_url: str = DEFAULT_URL, api_key: str | None = None, *, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.5, transport: httpx.BaseTransport | None = None,
                 resume_store: str | os.PathLike | bool | None = None, resumable_threshold: int = RESUMABLE_THRESHOLD):
        """Files of at least `resumable_threshold` bytes go through tus; `resume_store` is where
        unfinished uploads are remembered for a re-run (default ~/.cache/tonearm; False: nowhere)."""
        self._core = SyncCore(base_url, api_key, timeout=timeout, retries=retries, backoff=backoff,
                              transport=transport)
        self.resume_store = None if resume_store is False else ResumeStore(None if resume_store is True else resume_store)
        self.resumable_threshold = resumable_threshold
        self._init_resources()

    def __enter__(self) -> "Tonearm":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._core.close()

    # plumbing used by the resources
    def _call(self, call: Call) -> Any:
        return self._core.call(call)

    def _paginate(self, path: str, key: str, model: type, params: dict, page_size: int) -> Iterator[Any]:
        offset = 0
        while True:
            data = self._core.call(Call("GET", path, params={**params, "limit": page_size, "offset": offset}))
            items = data.get(key) or []
            for item in items:
                yield model.model_validate(item)
            offset += len(items)
            if not items or offset >= int(data.get("count") or 0):
                return

    # ------------------------------------------------------------ uploads
    def put_file(self, handle: UploadHandle, path: str | os.PathLike, *, progress: Progress | None = None) -> UploadResult:
        """Stream a file to a track's signed upload URL (retried on connection errors and 5xx)."""
        size = Path(path).stat().st_size
        counter = SentCounter(progress)
        response = self._core.send(
            handle.method or "PUT", handle.upload_url, auth=False,
            content_factory=lambda: iter_file(path, counter), on_retry=counter.rollback,
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        )
        complete = getattr(handle, "complete_url", None)
        if complete and response.is_success:  # S3 storage: the bytes went to the bucket; say so
            response = self._core.send("POST", complete, auth=False)
        return UploadResult.model_validate(decode(response))

    def upload_cover(self, handle: UploadHandle, cover: str | os.PathLike | bytes) -> dict:
        """POST an image (path or bytes) to a cover upload URL."""
        response = self._core.send(handle.method or "POST", handle.upload_url, auth=False,
                                   **cover_request(handle, cover))
        complete = getattr(handle, "complete_url", None)
        if complete and response.is_success:
            response = self._core.send("POST", complete, auth=False)
        return decode(response)

    def upload_file(self, path: str | os.PathLike, collection_id: str | None = None, *, file_name: str | None = None,
                    cover: str | os.PathLike | bytes | None = None, progress: Progress | None = None,
                    upload_session_id: str | None = None, metadata: dict | None = None, sha256: str | None = None,
                    **track_fields: Any) -> Track:
        """Upload session → track → streamed PUT → optional cover. The file's sha256 goes in ``metadata``.

        ``progress(n)`` is called with the bytes of each chunk sent (negative to roll back a retried attempt)."""
        p, size, name, meta = self._upload_plan(path, file_name, metadata, sha256)
        fields = {"file_name": name, "metadata": meta, "file_size": size, **track_fields}
        if not (collection_id or upload_session_id):
            raise ValueError("collection_id or upload_session_id is required")
        if cover is None and size >= self.resumable_threshold:
            track = resumable_track(self, p, size, fields, collection_id, upload_session_id, progress)
            if track is not None:
                return track
        if upload_session_id:
            handle = self.upload_sessions.create_track(upload_session_id, **fields)
        else:
            handle = self._from_session(self.upload_sessions.create(collection_id, track=fields))
        result = self.put_file(handle.track_upload, p, progress=progress)
        if cover is not None and handle.track_cover_upload is not None:
            self.upload_cover(handle.track_cover_upload, cover)
        return self._uploaded_track(handle, result)

    def _uploaded_track(self, handle: TrackUpload, result: UploadResult) -> Track:
        if self._core.api_key:
            try:
                return self.tracks.get(handle.track_id)
            except (AuthenticationError, PermissionDeniedError):  # an uploader key cannot read tracks
                pass
        return handle.track.model_copy(update={"track_status_id": result.track_status_id, "size": result.size})

    def wait_until_ready(self, track_id: str, *, timeout: float = 600.0, poll: float = 1.0) -> Track:
        """Poll until ``ready``/``incomplete`` (returned) or ``error``/``init_error`` (ProcessingError)."""
        deadline = time.monotonic() + timeout
        while True:
            track = self.tracks.get(track_id)
            if self._settled(track) is not None:
                return track
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"Track {track_id} still {track.track_status_id} after {timeout:g} s", track=track)
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    # ------------------------------------------------------------ playback
    def play_session(self, *, collection_id: str | None = None, track_id: str | None = None,
                     playlist_id: str | None = None, **options: Any) -> PlaySession:
        """A play session over exactly one of a collection, a track or a playlist."""
        scope = self._scope(collection_id, track_id, playlist_id)
        return self.play_sessions.create(scope, collection_id=collection_id, track_id=track_id,
                                         playlist_id=playlist_id, **options)

    def download(self, play_session_id: str, track_id: str, variant: str, dest: str | os.PathLike = ".", *,
                 progress: Progress | None = None) -> Path:
        """Stream a variant of a track to ``dest`` (a file, or a directory to put the server's file name in)."""
        link = self.play_sessions.download(play_session_id, track_id, variant)
        core, attempt = self._core, 0
        while True:
            counter = SentCounter(progress)
            try:
                with core.http.stream("GET", link.url) as response:
                    if core.policy.should_retry("GET", attempt, status=response.status_code):
                        time.sleep(core.policy.delay(attempt, response))
                        attempt += 1
                        continue
                    if not response.is_success:
                        response.read()
                        decode(response)
                    target = download_target(Path(dest), link.url, response, f"{track_id}-{variant}")
                    part = target.with_name(target.name + ".part")
                    with open(part, "wb") as fh:
                        for chunk in response.iter_bytes(CHUNK):
                            fh.write(chunk)
                            counter(len(chunk))
                    os.replace(part, target)
                    return target
            except httpx.TransportError as exc:
                counter.rollback()
                if not core.policy.should_retry("GET", attempt, failed=True):
                    raise connection_error(core.base_url, exc) from None
                time.sleep(core.policy.delay(attempt))
                attempt += 1


class AsyncTonearm(_Common):
    """Asynchronous client. ``async with AsyncTonearm(url, key) as tn: await tn.collections.list()``."""

    def __init__(self, base_url: str = DEFAULT_URL, api_key: str | None = None, *, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.5, transport: httpx.AsyncBaseTransport | None = None,
                 resume_store: str | os.PathLike | bool | None = None, resumable_threshold: int = RESUMABLE_THRESHOLD):
        """As `Tonearm`: files of at least `resumable_threshold` bytes go through tus, remembered in `resume_store`."""
        self._core = AsyncCore(base_url, api_key, timeout=timeout, retries=retries, backoff=backoff,
                               transport=transport)
        self.resume_store = None if resume_store is False else ResumeStore(None if resume_store is True else resume_store)
        self.resumable_threshold = resumable_threshold
        self._init_resources()

    async def __aenter__(self) -> "AsyncTonearm":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self._core.close()

    def _call(self, call: Call):
        return self._core.call(call)

    async def _paginate(self, path: str, key: str, model: type, params: dict, page_size: int) -> AsyncIterator[Any]:
        offset = 0
        while True:
            data = await self._core.call(Call("GET", path, params={**params, "limit": page_size, "offset": offset}))
            items = data.get(key) or []
            for item in items:
                yield model.model_validate(item)
            offset += len(items)
            if not items or offset >= int(data.get("count") or 0):
                return

    async def put_file(self, handle: UploadHandle, path: str | os.PathLike, *,
                       progress: Progress | None = None) -> UploadResult:
        size = Path(path).stat().st_size
        counter = SentCounter(progress)
        response = await self._core.send(
            handle.method or "PUT", handle.upload_url, auth=False,
            content_factory=lambda: aiter_file(path, counter), on_retry=counter.rollback,
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        )
        complete = getattr(handle, "complete_url", None)
        if complete and response.is_success:  # S3 storage: the bytes went to the bucket; say so
            response = await self._core.send("POST", complete, auth=False)
        return UploadResult.model_validate(decode(response))

    async def upload_cover(self, handle: UploadHandle, cover: str | os.PathLike | bytes) -> dict:
        response = await self._core.send(handle.method or "POST", handle.upload_url, auth=False,
                                         **cover_request(handle, cover))
        complete = getattr(handle, "complete_url", None)
        if complete and response.is_success:
            response = await self._core.send("POST", complete, auth=False)
        return decode(response)

    async def upload_file(self, path: str | os.PathLike, collection_id: str | None = None, *,
                          file_name: str | None = None, cover: str | os.PathLike | bytes | None = None,
                          progress: Progress | None = None, upload_session_id: str | None = None,
                          metadata: dict | None = None, sha256: str | None = None, **track_fields: Any) -> Track:
        """`Tonearm.upload_file`, awaited: large files go through tus and resume."""
        p, size, name, meta = await asyncio.to_thread(self._upload_plan, path, file_name, metadata, sha256)
        fields = {"file_name": name, "metadata": meta, "file_size": size, **track_fields}
        if not (collection_id or upload_session_id):
            raise ValueError("collection_id or upload_session_id is required")
        if cover is None and size >= self.resumable_threshold:
            track = await aresumable_track(self, p, size, fields, collection_id, upload_session_id, progress)
            if track is not None:
                return track
        if upload_session_id:
            handle = await self.upload_sessions.create_track(upload_session_id, **fields)
        else:
            handle = self._from_session(await self.upload_sessions.create(collection_id, track=fields))
        result = await self.put_file(handle.track_upload, p, progress=progress)
        if cover is not None and handle.track_cover_upload is not None:
            await self.upload_cover(handle.track_cover_upload, cover)
        return await self._uploaded_track(handle, result)

    async def _uploaded_track(self, handle: TrackUpload, result: UploadResult) -> Track:
        if self._core.api_key:
            try:
                return await self.tracks.get(handle.track_id)
            except (AuthenticationError, PermissionDeniedError):
                pass
        return handle.track.model_copy(update={"track_status_id": result.track_status_id, "size": result.size})

    async def wait_until_ready(self, track_id: str, *, timeout: float = 600.0, poll: float = 1.0) -> Track:
        deadline = time.monotonic() + timeout
        while True:
            track = await self.tracks.get(track_id)
            if self._settled(track) is not None:
                return track
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"Track {track_id} still {track.track_status_id} after {timeout:g} s", track=track)
            await asyncio.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    async def play_session(self, *, collection_id: str | None = None, track_id: str | None = None,
                           playlist_id: str | None = None, **options: Any) -> PlaySession:
        scope = self._scope(collection_id, track_id, playlist_id)
        return await self.play_sessions.create(scope, collection_id=collection_id, track_id=track_id,
                                               playlist_id=playlist_id, **options)

    async def download(self, play_session_id: str, track_id: str, variant: str, dest: str | os.PathLike = ".", *,
                       progress: Progress | None = None) -> Path:
        link = await self.play_sessions.download(play_session_id, track_id, variant)
        core, attempt = self._core, 0
        while True:
            counter = SentCounter(progress)
            try:
                async with core.http.stream("GET", link.url) as response:
                    if core.policy.should_retry("GET", attempt, status=response.status_code):
                        await asyncio.sleep(core.policy.delay(attempt, response))
                        attempt += 1
                        continue
                    if not response.is_success:
                        await response.aread()
                        decode(response)
                    target = download_target(Path(dest), link.url, response, f"{track_id}-{variant}")
                    part = target.with_name(target.name + ".part")
                    with open(part, "wb") as fh:
                        async for chunk in response.aiter_bytes(CHUNK):
                            fh.write(chunk)
                            counter(len(chunk))
                    os.replace(part, target)
                    return target
            except httpx.TransportError as exc:
                counter.rollback()
                if not core.policy.should_retry("GET", attempt, failed=True):
                    raise connection_error(core.base_url, exc) from None
                await asyncio.sleep(core.policy.delay(attempt))
                attempt += 1
