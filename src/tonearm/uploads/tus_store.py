"""Where a tus upload's bytes wait, durably, between PATCHes and across restarts.

Local disk: one staging file under data_dir/tus, appended to and fsynced before an offset is
acknowledged; at the end it becomes the original (a hard link: no copy).
S3: every `part_size` bytes become a multipart part (≥ 5 MiB, uploaded by the server); the bytes
of the part being filled wait in a local tail file named after the offset it starts at, so a
crash between "part uploaded" and "tail restarted" is recognised when the upload is opened again.
The database offset is the truth: on opening, the staging is cut back to it (bytes past it were
never acknowledged), and S3's own list of parts is checked against `parts_done` (uploads/tus.py).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from tonearm.errors import Conflict
from tonearm.jobs.runtime import Runtime


# fdatasync writes the data and the metadata needed to read it back (the file's size): all an
# acknowledgement needs, without the inode's times. Where there is none (macOS), fsync.
_datasync = getattr(os, "fdatasync", os.fsync)


def staging_dir(rt: Runtime) -> Path:
    path = rt.settings.data_dir / "tus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Staging:
    """The bytes of one upload. Not thread-safe: one PATCH holds it at a time (tus_state.hold)."""

    def __init__(self, rt: Runtime, *, upload_id: uuid.UUID, key: str, length: int, offset: int,
                 part_size: int = 0, parts_done: int = 0, s3_upload_id: str | None = None):
        self.rt, self.id, self.key, self.length = rt, upload_id, key, length
        self.s3_upload_id, self.part_size, self.parts_done = s3_upload_id, part_size, parts_done
        self.acked = offset
        self.dir = staging_dir(rt)
        self.start = parts_done * part_size if s3_upload_id else 0
        self.tail_len = 0
        self.fh = None

    def _tail(self, start: int) -> Path:
        return self.dir / (f"{self.id.hex}.{start}.tail" if self.s3_upload_id else f"{self.id.hex}.bin")

    def _tails(self) -> list[tuple[int, Path]]:
        if not self.s3_upload_id:
            return []
        out = []
        for p in self.dir.glob(f"{self.id.hex}.*.tail"):
            try:
                out.append((int(p.name.split(".")[1]), p))
            except ValueError:
                continue
        return sorted(out)

    @property
    def offset(self) -> int:
        return self.start + self.tail_len

    def open(self) -> int:
        """Open the staging at the acknowledged offset; returns the offset it can continue from
        (lower only when staged bytes were lost, e.g. the data directory was wiped)."""
        path = self._tail(self.start)
        if not path.exists():
            older = [(s, p) for s, p in self._tails() if s < self.start]
            if older:  # the part was uploaded and acknowledged, the tail not yet restarted
                s, p = older[-1]
                with open(p, "rb") as src, open(path, "wb") as dst:
                    src.seek(self.start - s)
                    shutil.copyfileobj(src, dst)
                    dst.flush()
                    os.fsync(dst.fileno())
            else:
                path.touch()
            _fsync_dir(self.dir)  # the new file's name is durable before any offset in it is acknowledged
        for s, p in self._tails():
            if s != self.start:
                p.unlink(missing_ok=True)
        size = path.stat().st_size
        self.tail_len = min(size, max(0, self.acked - self.start))
        self.fh = open(path, "r+b")
        if size != self.tail_len:
            self.fh.truncate(self.tail_len)  # bytes past the acknowledged offset were never acknowledged
        self.fh.seek(self.tail_len)
        return self.offset

    def room(self, n: int) -> int:
        """How many of n bytes fit before the next part boundary (S3) or the declared length."""
        n = min(n, self.length - self.offset)
        return min(n, self.part_size - self.tail_len) if self.s3_upload_id else n

    def write(self, data) -> None:
        self.fh.write(data)
        self.tail_len += len(data)

    def sync(self) -> int:
        """fdatasync: what is written is durable; returns the offset that may be acknowledged."""
        self.fh.flush()
        _datasync(self.fh.fileno())
        return self.offset

    def writeback(self) -> None:
        """Have the disk write what reached the file so far, from another thread while more bytes
        arrive, so that the `sync` acknowledging them has little left to wait for. Acknowledges
        nothing; an error here (EIO) is raised to the request, as a later sync might not see it.
        The caller lets it finish before any other use of the staging (tus_routes._Writeback)."""
        _datasync(self.fh.fileno())

    @property
    def part_full(self) -> bool:
        return bool(self.s3_upload_id) and self.tail_len >= self.part_size and self.offset < self.length

    def put_part(self) -> None:
        """Upload the full tail as part parts_done + 1 (the caller then acknowledges, then `next_part`)."""
        self.sync()
        self.fh.seek(0)
        self.rt.storage.multipart_put_part(self.key, self.s3_upload_id, self.parts_done + 1, self.fh, self.tail_len)
        self.fh.seek(self.tail_len)
        self.parts_done += 1

    def next_part(self) -> None:
        """Start the tail of the next part (after the database has the uploaded part)."""
        old = self._tail(self.start)
        self.fh.close()
        self.start, self.tail_len = self.parts_done * self.part_size, 0
        self.fh = open(self._tail(self.start), "w+b")
        _fsync_dir(self.dir)
        old.unlink(missing_ok=True)

    def finish(self) -> None:
        """Every byte is staged: make the original object from them."""
        self.sync()
        if not self.s3_upload_id:
            self.rt.storage.put(self.key, self._tail(self.start))
            return
        if self.tail_len or self.parts_done == 0:  # the last part may be shorter than 5 MiB
            self.fh.seek(0)
            self.rt.storage.multipart_put_part(self.key, self.s3_upload_id, self.parts_done + 1, self.fh,
                                               self.tail_len)
        parts = self.rt.storage.multipart_parts(self.key, self.s3_upload_id)
        if parts is None:  # completed by an earlier attempt that crashed before recording it
            info = self.rt.storage.stat(self.key)
            if info is None or info.size != self.length:
                raise Conflict("The upload's parts are gone from storage; terminate it and upload again")
            return
        if sum(p["Size"] for p in parts) != self.length:
            raise Conflict("The upload's parts in storage do not add up to its length; terminate it and upload again")
        self.rt.storage.multipart_complete(self.key, self.s3_upload_id, parts)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def discard(self, *, abort: bool = True) -> None:
        """Delete the staged bytes (and abort the multipart upload)."""
        self.close()
        self._tail(self.start).unlink(missing_ok=True)
        for _s, p in self._tails():
            p.unlink(missing_ok=True)
        if self.s3_upload_id and abort:
            self.rt.storage.multipart_abort(self.key, self.s3_upload_id)


def s3_parts_in_place(rt: Runtime, key: str, s3_upload_id: str, part_size: int, parts_done: int) -> int | None:
    """How many of the first `parts_done` parts S3 lists with their full size (None: the multipart
    upload is gone). Resuming trusts S3's list over the database (a part may have been lost)."""
    parts = rt.storage.multipart_parts(key, s3_upload_id)
    if parts is None:
        return None
    sizes = {p["PartNumber"]: p["Size"] for p in parts}
    n = 0
    while n < parts_done and sizes.get(n + 1) == part_size:
        n += 1
    return n
