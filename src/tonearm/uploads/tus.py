"""tus uploads as flows: each step between storage calls is its own unit of work, committed here
(as uploads/completion.py). The HTTP side is uploads/tus_routes.py; bytes wait in tus_store.py;
the database transitions are tus_state.py. A finished upload ends in `service.mark_stored`, the
same guarded transition a PUT takes, so a track moves to processing exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

from tonearm.catalog.models import Track
from tonearm.db.base import utcnow
from tonearm.delivery.handles import upload_limit
from tonearm.errors import Conflict, Invalid, NotFound, TooLarge
from tonearm.jobs.runtime import Runtime
from tonearm.storage import keys
from tonearm.uploads import multipart, tus_state
from tonearm.uploads.models import TusState, TusUpload
from tonearm.uploads.service import Stored
from tonearm.uploads.tus_proto import Locked
from tonearm.uploads.tus_store import Staging, s3_parts_in_place

log = logging.getLogger("tonearm.uploads")


class HoldLost(Conflict):
    """Another request took this upload over while this one was silent."""


@dataclasses.dataclass(frozen=True)
class Upload:
    id: uuid.UUID
    track_id: uuid.UUID
    key: str
    state: str
    length: int
    offset: int
    metadata: str | None
    expires_at: dt.datetime
    part_size: int
    parts_done: int
    s3_upload_id: str | None
    busy: bool


def _snapshot(db, row: TusUpload) -> Upload:
    track = db.get(Track, row.track_id)
    key = keys.original(track.index) if track is not None else ""
    busy = row.busy_until is not None and row.busy_until > utcnow()
    return Upload(row.id, row.track_id, key, row.state, row.length, row.offset, row.metadata_, row.expires_at,
                  row.part_size, row.parts_done, row.s3_upload_id, busy)


def _multipart(rt: Runtime) -> bool:
    return callable(getattr(rt.storage, "multipart_put_part", None))


def create(rt: Runtime, track_id: uuid.UUID, length: int, metadata: str | None) -> Upload:
    """A new upload of `length` bytes for the track: claims it (a PUT now gets 409)."""
    with rt.unit() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        limit = upload_limit(rt.settings, track)
        key = keys.original(track.index)
    if length > limit:
        raise TooLarge(f"Upload-Length {length} exceeds the limit of {limit} bytes for this track")
    if length == 0:
        raise Invalid("Upload-Length must be at least 1 byte: an empty file is not audio")
    s3_upload_id = rt.storage.multipart_start(key) if _multipart(rt) else None
    expires = utcnow() + dt.timedelta(seconds=rt.settings.tus_expires_seconds)
    try:
        with rt.unit() as db:
            row = tus_state.create(db, track_id=track_id, length=length, metadata=metadata, expires_at=expires,
                                   part_size=multipart.part_size(length) if s3_upload_id else 0,
                                   s3_upload_id=s3_upload_id)
            up = _snapshot(db, row)
    except BaseException:
        if s3_upload_id:
            rt.storage.multipart_abort(key, s3_upload_id)
        raise
    log.info("uploads.tus.create track=%s upload=%s length=%s", track_id, up.id, length)
    return up


def load(rt: Runtime, track_id: uuid.UUID, upload_id: uuid.UUID) -> Upload:
    with rt.unit() as db:
        return _snapshot(db, tus_state.find(db, track_id, upload_id))


def _staging(rt: Runtime, up: Upload) -> Staging:
    return Staging(rt, upload_id=up.id, key=up.key, length=up.length, offset=up.offset, part_size=up.part_size,
                   parts_done=up.parts_done, s3_upload_id=up.s3_upload_id)


class Writer:
    """One PATCH (or a recovery) holding an upload: the staging, the hold, acknowledgements.
    Its methods block (files, S3, the database): the async route calls them in a thread."""

    def __init__(self, rt: Runtime, up: Upload):
        self.rt, self.up = rt, up
        self.staging = _staging(rt, up)
        self.token: str | None = None
        self.acked = up.offset

    def begin(self, claimed: int | None = None) -> int:
        with self.rt.unit() as db:
            self.token = tus_state.hold(db, self.up.id)
        if self.token is None:
            raise Locked()
        try:
            self._open()
            if claimed is not None and claimed != self.acked:
                raise Conflict(f"Upload-Offset {claimed} does not match the upload's offset {self.acked}; "
                               "ask with HEAD and resume from there")
        except BaseException:
            self.close()
            raise
        return self.acked

    def _open(self) -> None:
        up, parts = self.up, self.up.parts_done
        if up.s3_upload_id and parts:
            in_place = s3_parts_in_place(self.rt, up.key, up.s3_upload_id, up.part_size, parts)
            if in_place is None:
                raise Conflict("This upload's parts are gone from storage; terminate it and upload again")
            if in_place < parts:  # S3 lost parts: resume from what it still has
                log.warning("uploads.tus upload=%s: S3 lists %s of %s parts", up.id, in_place, parts)
                self.up = dataclasses.replace(up, parts_done=in_place, offset=in_place * up.part_size)
                self.staging, self.acked = _staging(self.rt, self.up), -1
        offset = self.staging.open()
        if offset != self.acked:
            self._ack(offset)

    def _ack(self, offset: int, *, release: bool = False) -> None:
        with self.rt.unit() as db:
            ok = tus_state.acknowledge(db, self.up.id, self.token, offset=offset, parts_done=self.staging.parts_done,
                                       track_id=self.up.track_id, release=release)
        if not ok:
            raise HoldLost("Another request took this upload over; ask with HEAD and resume")
        self.acked = offset
        if release:
            self.token = None

    def checkpoint(self) -> int:
        """fsync, then record the offset: from here on a crash loses none of these bytes."""
        self._ack(self.staging.sync())
        return self.acked

    def part(self) -> None:
        """S3: upload the full part, record it, start the next one."""
        self.staging.put_part()
        self._ack(self.staging.offset)
        self.staging.next_part()

    def end(self) -> Upload:
        """After the body: acknowledge what arrived (fsync, then the offset recorded and the hold
        let go in one statement); complete the upload when it is whole."""
        try:
            offset = self.staging.sync()
            if offset != self.up.length:
                self._ack(offset, release=True)
                return dataclasses.replace(self.up, offset=offset, parts_done=self.staging.parts_done, busy=False)
            self._ack(offset)
            self._finish()
        finally:
            self.close()
        return load(self.rt, self.up.track_id, self.up.id)

    def _finish(self) -> None:
        up = self.up
        self.staging.finish()
        with self.rt.unit() as db:
            stored = tus_state.complete(db, up.id, track_id=up.track_id, key=up.key, size=up.length)
        self.token = None  # complete() dropped the hold
        self.staging.close()
        self.staging.discard(abort=False)
        if stored is Stored.GONE:  # the track was deleted meanwhile
            self.rt.storage.delete(up.key)
        elif stored is Stored.NOW:
            self.rt.enqueue("processing.track", up.track_id)
            log.info("uploads.tus.complete track=%s size=%s", up.track_id, up.length)

    def close(self) -> None:
        self.staging.close()
        if self.token is not None:
            with self.rt.unit() as db:
                tus_state.unhold(db, self.up.id, self.token)
            self.token = None


def head(rt: Runtime, track_id: uuid.UUID, upload_id: uuid.UUID) -> Upload:
    """The upload as a resuming client sees it. An idle upload is checked first: S3's parts against
    the database, and one whose bytes all arrived before a crash is completed now."""
    up = load(rt, track_id, upload_id)
    if up.state != TusState.RECEIVING or up.busy or not (up.s3_upload_id or up.offset == up.length):
        return up
    writer = Writer(rt, up)
    try:
        writer.begin()
    except Locked:
        return up
    if writer.acked == up.length:
        return writer.end()
    writer.close()
    return load(rt, track_id, upload_id)


def terminate(rt: Runtime, track_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    """Termination: the staged bytes are deleted, the multipart upload aborted, the track waits again."""
    up = load(rt, track_id, upload_id)
    if up.state != TusState.RECEIVING:
        raise Conflict("This upload is complete; delete the track instead")
    with rt.unit() as db:
        if tus_state.hold(db, up.id) is None:
            raise Locked()
    _staging(rt, up).discard()
    with rt.unit() as db:
        tus_state.terminate(db, up.id, up.track_id)
    log.info("uploads.tus.terminate track=%s upload=%s", track_id, upload_id)


def sweep(rt: Runtime) -> int:
    """Periodic: complete uploads whose last bytes were acknowledged just before a crash; delete
    expired uploads (staging removed, multipart aborted, the track waits for bytes again)."""
    with rt.unit() as db:
        full = tus_state.unfinished_full(db)
        due = tus_state.due_for_cleanup(db)
    done = 0
    for upload_id in full:
        try:
            with rt.unit() as db:
                track_id = db.get(TusUpload, upload_id).track_id
            done += head(rt, track_id, upload_id).state == TusState.COMPLETE
        except Exception:  # storage hiccup: the next sweep tries again
            log.warning("uploads.tus.sweep upload=%s: completion failed", upload_id, exc_info=True)
    for row in due:
        try:
            _expire(rt, row)
            done += 1
        except Exception:
            log.warning("uploads.tus.sweep upload=%s: cleanup failed", row.id, exc_info=True)
    return done


def _expire(rt: Runtime, row: TusUpload) -> None:
    if row.state == TusState.RECEIVING:
        with rt.unit() as db:
            track = db.get(Track, row.track_id)
            key = keys.original(track.index) if track is not None else None
        Staging(rt, upload_id=row.id, key=key or "", length=row.length, offset=row.offset,
                part_size=row.part_size, parts_done=row.parts_done,
                s3_upload_id=row.s3_upload_id).discard(abort=key is not None)
        log.info("uploads.tus.expire track=%s upload=%s at %s of %s bytes", row.track_id, row.id, row.offset,
                 row.length)
    with rt.unit() as db:
        tus_state.terminate(db, row.id, row.track_id)
