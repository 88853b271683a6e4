"""`tonearm upload PATH... --collection ID`: resumable, concurrent uploads with progress bars."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from tonearm.cli.remote_common import (
    DEFAULT_URL,
    JsonOpt,
    KeyOpt,
    UrlOpt,
    client,
    die,
    emit_json,
    err,
    guarded,
    human_size,
    out,
    status_text,
    warn,
)
from tonearm.client import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    TonearmError,
    is_audio_name,
    sha256_file,
)

# A track with these statuses never got its bytes (or failed): upload the file again.
NOT_REUSABLE = FAILED_STATUSES | {"initialized"}


@dataclass
class Item:
    path: Path
    size: int
    sha256: Optional[str] = None
    result: str = "pending"  # uploaded | skipped | duplicate | failed
    track_id: Optional[str] = None
    status: Optional[str] = None
    status_text: Optional[str] = None
    error: Optional[str] = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def failed(self) -> bool:
        return self.result == "failed" or self.status in FAILED_STATUSES

    def as_json(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["file_name"] = self.name
        return d


def collect(paths: list[Path]) -> list[Item]:
    """Files and folders (recursively, sorted) → audio files; others are skipped with a warning."""
    items: list[Item] = []
    seen: set[Path] = set()
    for raw in paths:
        if not raw.exists():
            die(f"No such file or directory: {raw}")
        files = sorted(p for p in raw.rglob("*") if p.is_file()) if raw.is_dir() else [raw]
        for f in files:
            if f.name.startswith(".") and raw.is_dir():
                continue  # hidden files (.DS_Store …) inside folders
            if not is_audio_name(f):
                warn(f"skipping {f} (not an audio file extension)")
                continue
            real = f.resolve()
            if real not in seen:
                seen.add(real)
                items.append(Item(path=f, size=f.stat().st_size))
    return items


def _bars(transient: bool = False, *, total_bytes: bool = True, disable: bool = False) -> Progress:
    if total_bytes:
        columns = [TextColumn("{task.description:<32}"), BarColumn(bar_width=30), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn()]
    else:
        columns = [SpinnerColumn(), TextColumn("{task.description:<30}"), BarColumn(bar_width=30),
                   MofNCompleteColumn(), TimeElapsedColumn()]
    return Progress(*columns, console=err, transient=transient, disable=disable)


def _short(name: str, width: int = 32) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _send_all(tn, todo: list[Item], collection: str, concurrency: int) -> None:
    total = sum(i.size for i in todo)
    lock = threading.Lock()
    stop = threading.Event()  # Ctrl-C: the sending threads stop at their next chunk (a re-run resumes)
    with _bars() as bar:
        overall = bar.add_task(f"total ({len(todo)} files)", total=total)

        def one(item: Item) -> None:
            task = bar.add_task(_short(item.name), total=item.size)
            sent = 0

            def progress(n: int) -> None:
                nonlocal sent
                if stop.is_set():
                    raise KeyboardInterrupt
                sent += n
                bar.advance(task, n)
                bar.advance(overall, n)

            try:
                track = tn.upload_file(item.path, collection, sha256=item.sha256, progress=progress)
            except (TonearmError, OSError) as exc:
                item.result, item.error = "failed", str(exc)
                with lock:
                    bar.advance(overall, -sent)
                    bar.update(overall, total=bar.tasks[overall].total - item.size)
                bar.console.print(f"[red]✗[/] {item.name}: {exc}", markup=True, highlight=False)
            else:
                item.result, item.track_id = "uploaded", track.id
                item.status, item.status_text = track.track_status_id, track.status_text
                bar.console.print(f"[green]✓[/] {item.name}  uploaded {human_size(item.size)} → {track.id}",
                                  highlight=False)
            finally:
                bar.remove_task(task)

        pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
        try:
            list(pool.map(one, todo))
        except KeyboardInterrupt:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()


def _wait(tn, items: list[Item], timeout: float, poll: float = 1.0) -> None:
    pending = {i.track_id: i for i in items if i.track_id and i.result in ("uploaded", "skipped")
               and i.status not in TERMINAL_STATUSES}
    if not pending:
        return
    deadline = time.monotonic() + timeout
    with _bars(total_bytes=False) as bar:
        task = bar.add_task("processing", total=len(pending))
        while pending:
            for tid, item in list(pending.items()):
                try:
                    t = tn.tracks.get(tid)
                except TonearmError as exc:
                    item.error = str(exc)
                    item.result = "failed"
                    pending.pop(tid)
                    bar.advance(task)
                    continue
                item.status, item.status_text = t.track_status_id, t.status_text
                if item.status in TERMINAL_STATUSES:
                    pending.pop(tid)
                    bar.advance(task)
                    if item.status in FAILED_STATUSES:
                        item.error = t.status_text or item.status
                        bar.console.print(f"[red]✗[/] {item.name}  {item.status}: {item.error}", highlight=False)
                    else:
                        bar.console.print(f"[green]✓[/] {item.name}  {item.status}", highlight=False)
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(poll)
    for item in pending.values():
        item.result, item.error = "failed", f"still {item.status} after {timeout:g} s"


def _summary(items: list[Item]) -> None:
    table = Table(title="Summary", title_justify="left")
    for name in ("file", "result", "status", "track", "size"):
        table.add_column(name, justify="right" if name == "size" else "left", no_wrap=name == "track")
    for i in items:
        result = {"uploaded": "[green]uploaded[/]", "skipped": "[dim]skipped[/]", "duplicate": "[dim]duplicate[/]",
                  "failed": "[red]failed[/]"}.get(i.result, i.result)
        status = status_text(i.status) + (f" [dim]({i.error})[/]" if i.error else "")
        table.add_row(i.name, result, status, i.track_id or "-", human_size(i.size))
    out.print(table)
    counts = {k: sum(1 for i in items if i.result == k) for k in ("uploaded", "skipped", "duplicate")}
    failed = sum(1 for i in items if i.failed)
    out.print(f"{counts['uploaded']} uploaded, {counts['skipped']} already there, "
              f"{counts['duplicate']} duplicate(s), {failed} failed", highlight=False)


def _to_send(items: list, existing: dict) -> list:
    """The files to upload: skip content already in the collection and repeats within this run."""
    todo, planned = [], set()
    for item in items:
        if item.sha256 in existing:
            t = existing[item.sha256]
            item.result, item.track_id = "skipped", t.id
            item.status, item.status_text = t.track_status_id, t.status_text
            err.print(f"[dim]•[/] {item.name}  already uploaded ({t.id}, {t.track_status_id})", highlight=False)
        elif item.sha256 in planned:
            item.result = "duplicate"
            err.print(f"[dim]•[/] {item.name}  same content as another file in this run", highlight=False)
        else:
            planned.add(item.sha256)
            todo.append(item)
    return todo


@guarded
def upload(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Audio files and/or folders (recursive)")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection id to upload into")],
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=32, help="Parallel uploads")] = 4,
    wait: Annotated[bool, typer.Option("--wait", help="Then wait until processing finishes")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="With --wait: give up after this many seconds")] = 900,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Upload audio files into a collection (resumable: files already there, by sha256, are skipped).

    Audio extensions: mp3 m4a aac flac wav ogg oga opus webm aif aiff mp4. Exit status 1 if any failed."""
    items = collect(paths)
    if not items:
        die("no audio files to upload")
    with client(url, key) as tn:
        tn.collections.get(collection)  # 401 / 404 / unreachable: one line, before any work
        existing: dict[str, object] = {}
        for t in tn.collections.iter_tracks(collection):
            sha = (t.metadata or {}).get("sha256")
            if sha and t.track_status_id not in NOT_REUSABLE:
                existing.setdefault(sha, t)

        with _bars(transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("hashing", total=sum(i.size for i in items))
            for item in items:
                item.sha256 = sha256_file(item.path)
                bar.advance(task, item.size)

        todo = _to_send(items, existing)
        if todo:
            _send_all(tn, todo, collection, concurrency)
        if wait:
            _wait(tn, items, timeout)

    failed = any(i.failed for i in items)
    if as_json:
        emit_json({
            "ok": not failed,
            "collection_id": collection,
            "uploaded": sum(1 for i in items if i.result == "uploaded"),
            "skipped": sum(1 for i in items if i.result in ("skipped", "duplicate")),
            "failed": sum(1 for i in items if i.failed),
            "files": [i.as_json() for i in items],
        })
    else:
        _summary(items)
    if failed:
        raise typer.Exit(1)
