"""Resumable uploads (tus 1.0, docs/uploads.md) for the SDK and `tonearm upload`.

`TusSender` (blocking) and `AsyncTusSender` (asyncio) send a file to a tus creation URL in chunks,
ask the server for its offset after a dropped connection (HEAD) and carry on from there; both run
one I/O-free protocol (`_TusCore`), so the two clients cannot drift apart. `ResumeStore` remembers, per file (sha256 and
size) and destination, the track and its tus upload URL in a small JSON file, so a run stopped with
Ctrl-C picks the same upload up where the server says it stopped."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import threading
import time
from pathlib import Path
from typing import AsyncIterator, Callable, Generator, Iterator

import httpx

from tonearm.client.errors import TonearmError
from tonearm.client.models import UploadResult

TUS = {"Tus-Resumable": "1.0.0"}
RESUMABLE_THRESHOLD = 8 * 1024 * 1024  # files at least this large go through tus
PIECE = 256 * 1024
RETRY_STATUSES = {409, 423, 429, 500, 502, 503, 504}


class StaleUpload(TonearmError):
    """The remembered upload is gone (terminated, expired, or its URL no longer valid): start anew."""


def default_store_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tonearm" / "resumable-uploads.json"


class ResumeStore:
    """A JSON file of {key: {track_id, upload_session_id, create_url, upload_url, expires_at}}."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_store_path()
        self._lock = threading.Lock()

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            expires = dt.datetime.fromisoformat(str(entry.get("expires_at")).replace("Z", "+00:00"))
        except ValueError:
            return None
        return entry if expires > dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30) else None

    def put(self, key: str, **values) -> None:
        with self._lock:
            data = self._read()
            data[key] = {**(data.get(key) or {}), **values}
            now = dt.datetime.now(dt.timezone.utc).isoformat()
            data = {k: v for k, v in data.items() if isinstance(v, dict) and str(v.get("expires_at", "")) > now[:10]}
            self._write(data)

    def drop(self, key: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)


class _Request:
    """One HTTP request the protocol wants sent; `body` is (start, length) of the file for a PATCH."""

    __slots__ = ("method", "url", "headers", "body", "owner")

    def __init__(self, method: str, url: str, headers: dict, body: tuple[int, int] | None = None,
                 owner: "_TusCore | None" = None):
        self.method, self.url, self.headers, self.body, self.owner = method, url, headers, body, owner

    def content(self) -> Iterator[bytes] | None:
        return self.owner._pieces(*self.body) if self.body else None


class _NeedHandle:
    """Asked of the driver by `_upload_steps`: create the track now and send back its handle."""


NEED_HANDLE = _NeedHandle()


class _TusCore:
    """The tus client protocol without I/O: each operation is a generator that yields a `_Request`
    (answered with an httpx.Response, or the httpx.TransportError it raised) or a pause in seconds
    (answered with None). `TusSender` and `AsyncTusSender` run the same generators, blocking or awaiting.
    `progress(n)` gets byte deltas (negative when a resume finds the server had fewer bytes than
    were reported); the first call after a resume reports the offset."""

    def __init__(self, path: str | os.PathLike, size: int, *, chunk_size: int,
                 progress: Callable[[int], None] | None = None, retries: int = 8, backoff: float = 0.5):
        self.path, self.size = Path(path), size
        self.chunk_size = max(PIECE, chunk_size)
        self.progress = progress
        self.retries, self.backoff = retries, backoff
        self.reported = 0
        self.offset = 0

    def _report(self, offset: int) -> None:
        if self.progress and offset != self.reported:
            self.progress(offset - self.reported)
        self.reported = offset

    def _pieces(self, start: int, length: int) -> Iterator[bytes]:
        sent = 0
        with open(self.path, "rb") as fh:
            fh.seek(start)
            while sent < length:
                piece = fh.read(min(PIECE, length - sent))
                if not piece:
                    return
                sent += len(piece)
                self._report(start + sent)
                yield piece

    def _create(self, create_url: str, file_name: str) -> Generator:
        meta = "filename " + base64.b64encode(file_name.encode()).decode()
        r = yield from self._request("POST", create_url, {**TUS, "Upload-Length": str(self.size), "Upload-Metadata": meta})
        if r.status_code != 201 or not r.headers.get("location"):
            raise _error(r, "Could not create the resumable upload")
        return str(httpx.URL(create_url).join(r.headers["location"]))

    def _head(self, upload_url: str) -> Generator:
        r = yield from self._request("HEAD", upload_url, TUS)
        if r.status_code in (403, 404, 410):
            raise StaleUpload(f"The resumable upload is gone (HTTP {r.status_code})")
        if r.status_code != 200 or r.headers.get("upload-offset") is None:
            raise _error(r, "Could not read the upload's offset")
        self.offset = int(r.headers["upload-offset"])
        self._report(self.offset)
        return self.offset

    def _send(self, upload_url: str) -> Generator:
        """PATCH chunks from the current offset to the end, resuming after failures."""
        failures = 0
        while self.offset < self.size:
            start = self.offset
            length = min(self.chunk_size, self.size - start)
            headers = {**TUS, "Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream",
                       "Content-Length": str(length)}
            r = yield _Request("PATCH", upload_url, headers, (start, length), self)
            if isinstance(r, httpx.TransportError):
                r = None
            if r is not None and r.status_code == 204:
                self.offset = int(r.headers["upload-offset"])
                self._report(self.offset)
                failures = 0
                continue
            if r is not None and r.status_code not in RETRY_STATUSES:
                raise _error(r, "The upload was refused")
            failures += 1
            if failures > self.retries:
                raise TonearmError("The upload kept failing; run it again to resume from where it stopped")
            yield min(30.0, self.backoff * 2 ** (failures - 1))
            try:
                yield from self._head(upload_url)
            except httpx.TransportError:
                continue

    def _request(self, method: str, url: str, headers: dict) -> Generator:
        for attempt in range(self.retries + 1):
            r = yield _Request(method, url, headers)
            if isinstance(r, httpx.TransportError):
                if attempt == self.retries:
                    raise r
            elif r.status_code not in (423, 502, 503, 504) or attempt == self.retries:
                return r
            yield min(30.0, self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")


def _drive(gen: Generator, http: httpx.Client, make_handle: Callable | None = None):
    """Run protocol steps with blocking I/O; the generator's return value."""
    answer = None
    try:
        while True:
            step = gen.send(answer)
            if isinstance(step, _Request):
                answer = _blocking(http, step)
            elif step is NEED_HANDLE:
                answer = make_handle()
            else:
                time.sleep(step)
                answer = None
    except StopIteration as done:
        return done.value


async def _adrive(gen: Generator, http: httpx.AsyncClient, make_handle: Callable | None = None):
    """`_drive` for an AsyncClient: the same steps, awaited (`make_handle` is a coroutine function)."""
    answer = None
    try:
        while True:
            step = gen.send(answer)
            if isinstance(step, _Request):
                answer = await _awaited(http, step)
            elif step is NEED_HANDLE:
                answer = await make_handle()
            else:
                await asyncio.sleep(step)
                answer = None
    except StopIteration as done:
        return done.value


def _blocking(http: httpx.Client, req: _Request):
    try:
        return http.request(req.method, req.url, headers=req.headers, content=req.content())
    except httpx.TransportError as exc:
        return exc


async def _awaited(http: httpx.AsyncClient, req: _Request):
    async def pieces(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
        for piece in chunks:  # 256 KiB reads from a local file
            yield piece

    chunks = req.content()
    content = None if chunks is None else pieces(chunks)
    try:
        return await http.request(req.method, req.url, headers=req.headers, content=content)
    except httpx.TransportError as exc:
        return exc


class TusSender(_TusCore):
    """One file to one tus upload over a blocking httpx.Client."""

    def __init__(self, http: httpx.Client, path: str | os.PathLike, size: int, **options):
        super().__init__(path, size, **options)
        self.http = http

    def create(self, create_url: str, file_name: str) -> str:
        return _drive(self._create(create_url, file_name), self.http)

    def head(self, upload_url: str) -> int:
        return _drive(self._head(upload_url), self.http)

    def send(self, upload_url: str) -> None:
        return _drive(self._send(upload_url), self.http)


class AsyncTusSender(_TusCore):
    """One file to one tus upload over an httpx.AsyncClient."""

    def __init__(self, http: httpx.AsyncClient, path: str | os.PathLike, size: int, **options):
        super().__init__(path, size, **options)
        self.http = http

    async def create(self, create_url: str, file_name: str) -> str:
        return await _adrive(self._create(create_url, file_name), self.http)

    async def head(self, upload_url: str) -> int:
        return await _adrive(self._head(upload_url), self.http)

    async def send(self, upload_url: str) -> None:
        return await _adrive(self._send(upload_url), self.http)


def _error(r: httpx.Response, what: str) -> TonearmError:
    try:
        message = r.json().get("message")
    except ValueError:
        message = None
    return TonearmError(f"{what} (HTTP {r.status_code}): {message or r.reason_phrase}")


def _upload_steps(store: ResumeStore | None, *, key: str, path: Path, size: int, file_name: str,
                  progress: Callable[[int], None] | None) -> Generator:
    """The steps of a resumable upload (see `upload_resumable`); yields NEED_HANDLE when a new
    track must be created, and the senders' requests and pauses."""
    saved = store.get(key) if store else None
    if saved:
        sender = _TusCore(path, size, chunk_size=int(saved.get("chunk_size") or 0), progress=progress)
        try:
            url = saved.get("upload_url")
            if url:
                yield from sender._head(url)
            else:
                url = yield from sender._create(saved["create_url"], file_name)
                store.put(key, upload_url=url, expires_at=_later(saved["expires_at"]))
            yield from sender._send(url)
            store.drop(key)
            return saved["track_id"], None
        except StaleUpload:
            store.drop(key)
            sender._report(0)
    handle = yield NEED_HANDLE
    resumable = getattr(handle, "track_upload_resumable", None)
    if resumable is None:
        return None
    sender = _TusCore(path, size, chunk_size=resumable.chunk_size, progress=progress)
    expires = (resumable.expires_at or dt.datetime.now(dt.timezone.utc)).isoformat()
    if store:
        store.put(key, track_id=handle.track_id, upload_session_id=handle.upload_session_id,
                  create_url=resumable.url, chunk_size=resumable.chunk_size, expires_at=expires)
    url = yield from sender._create(resumable.url, file_name)
    if store:
        store.put(key, upload_url=url, expires_at=_later(expires))
    yield from sender._send(url)
    if store:
        store.drop(key)
    return handle.track_id, handle


def upload_resumable(tn, store: ResumeStore | None, *, key: str, path: Path, size: int, file_name: str,
                     make_handle: Callable, progress: Callable[[int], None] | None):
    """Send `path` through tus: resume the upload remembered under `key`, or create a track with
    `make_handle()` and start one. Returns (track_id, handle or None when resumed), or None when
    the server offers no tus (the caller PUTs instead)."""
    steps = _upload_steps(store, key=key, path=path, size=size, file_name=file_name, progress=progress)
    return _drive(steps, tn._core.http, make_handle)


async def aupload_resumable(tn, store: ResumeStore | None, *, key: str, path: Path, size: int, file_name: str,
                            make_handle: Callable, progress: Callable[[int], None] | None):
    """`upload_resumable` for `AsyncTonearm` (`make_handle` is a coroutine function)."""
    steps = _upload_steps(store, key=key, path=path, size=size, file_name=file_name, progress=progress)
    return await _adrive(steps, tn._core.http, make_handle)


def _later(expires: str) -> str:
    """An upload URL outlives the creation URL (Upload-Expires, 24 h by default): keep it 20 h."""
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=20)
    return max(str(expires), soon.isoformat())


def _resume_key(tn, fields: dict, collection_id: str | None, upload_session_id: str | None, size: int) -> str:
    return f"{tn.base_url}|{upload_session_id or collection_id}|{fields['metadata']['sha256']}|{size}"


def resumable_track(tn, p: Path, size: int, fields: dict, collection_id: str | None, upload_session_id: str | None,
                    progress: Callable[[int], None] | None):
    """`Tonearm.upload_file` for large files: the track after a tus upload, or None (no tus: PUT)."""
    def make_handle():
        if upload_session_id:
            return tn.upload_sessions.create_track(upload_session_id, **fields)
        return tn._from_session(tn.upload_sessions.create(collection_id, track=fields))

    done = upload_resumable(tn, tn.resume_store, key=_resume_key(tn, fields, collection_id, upload_session_id, size),
                            path=p, size=size, file_name=fields["file_name"], make_handle=make_handle,
                            progress=progress)
    if done is None:
        return None
    track_id, handle = done
    if handle is None or tn._core.api_key:
        return tn.tracks.get(track_id)
    return tn._uploaded_track(handle, UploadResult(track_id=track_id, size=size, track_status_id="processing"))


async def aresumable_track(tn, p: Path, size: int, fields: dict, collection_id: str | None,
                           upload_session_id: str | None, progress: Callable[[int], None] | None):
    """`resumable_track` for `AsyncTonearm`."""
    async def make_handle():
        if upload_session_id:
            return await tn.upload_sessions.create_track(upload_session_id, **fields)
        return tn._from_session(await tn.upload_sessions.create(collection_id, track=fields))

    done = await aupload_resumable(
        tn, tn.resume_store, key=_resume_key(tn, fields, collection_id, upload_session_id, size), path=p, size=size,
        file_name=fields["file_name"], make_handle=make_handle, progress=progress)
    if done is None:
        return None
    track_id, handle = done
    if handle is None or tn._core.api_key:
        return await tn.tracks.get(track_id)
    return await tn._uploaded_track(handle, UploadResult(track_id=track_id, size=size, track_status_id="processing"))
