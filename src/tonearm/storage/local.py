"""Local-disk storage (the embedded default). Production code: it must resist path tricks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tonearm.storage.base import ObjectInfo, check_key


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        check_key(key)
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def put(self, key: str, src: Path) -> ObjectInfo:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        try:
            try:
                os.link(src, tmp)
            except OSError:
                shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        st = dest.stat()
        return ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime)

    def open(self, key: str, offset: int = 0, length: int | None = None) -> BinaryIO:
        fh = open(self._path(key), "rb")
        if offset:
            fh.seek(offset)
        if length is None:
            return fh
        return _Window(fh, length)

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self._path(key).stat()
        except (FileNotFoundError, ValueError):
            return None
        return ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime)

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except ValueError:
            return

    @contextmanager
    def fetch(self, key: str, workdir: Path | None = None) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


class _Window:
    """A read-only view of `length` bytes of an open file, from its current position."""

    def __init__(self, fh: BinaryIO, length: int):
        self._fh, self._left = fh, max(0, length)

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n is None or n < 0 else min(n, self._left)
        data = self._fh.read(n)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "_Window":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
