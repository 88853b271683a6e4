"""One processing run for one track, and the status/webhook bookkeeping at its end.

Each step returns a frozen value (`Snapshot` in, `TrackFacts` and `FileRecord`s out); `finish`
applies them in one transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import uuid
from pathlib import Path

from sqlalchemy import select, update

from tonearm.catalog.models import Collection, Organization, Track, TrackFile, Variant
from tonearm.catalog.states import FINISHED_PLAYABLE, TrackStatus
from tonearm.catalog.tracks import variants_for_track
from tonearm.db.base import utcnow
from tonearm.jobs.metrics import track_finished
from tonearm.jobs.runtime import Runtime
from tonearm.media import (
    Loudness,
    MediaError,
    MediaInitError,
    probe,
    render,
    waveform_png,
)
from tonearm.processing.covers import (
    cover_source,
    darkness,
    make_sizes,
    store_track_sizes,
)
from tonearm.processing.faults import InfrastructureFault, storage_step
from tonearm.processing.ladder import analysis_specs, plan
from tonearm.processing.outputs import (
    FileRecord,
    existing_success,
    record,
    store,
    write_json,
)
from tonearm.storage import keys
from tonearm.webhooks.service import record_track_events

log = logging.getLogger("tonearm.processing")
BROWSER_ORIGINALS = {"mp3", "m4a", "ogg", "opus", "oga", "webm", "flac", "wav"}


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What a run needs to know about the track, read once at its start."""

    index: str
    original_key: str | None
    cover_key: str | None
    color: str | None
    info: dict
    variants: list[Variant]
    pending: list[Variant]  # variants without a successful file yet
    plan_version: int = 0  # the wanted set as this snapshot saw it (catalog.models.Track)


@dataclasses.dataclass(frozen=True)
class CoverFacts:
    sizes: dict
    colors: list
    chosen: str | None


@dataclasses.dataclass(frozen=True)
class TrackFacts:
    """What the run learned about the track (applied to its row by `finish`)."""

    duration: float | None
    format: dict
    info: dict
    title: str | None
    subtitle: str | None
    cover: CoverFacts | None = None
    inherited_color: str | None = None  # the collection's (else the organization's) player colour
    loudness_blocks: dict | None = None  # gating-block histogram, for album loudness


def _ext(value: str | None) -> str:
    return (value or "bin").lstrip(".").lower()


def _snapshot(db, tid: uuid.UUID) -> Snapshot | None:
    track = db.get(Track, tid)
    if track is None:
        return None
    variants = variants_for_track(db, track)
    done = existing_success(db, tid)
    color = track.player_color
    if not color:
        col = db.get(Collection, track.collection_id)
        org = db.get(Organization, track.organization_id)
        color = (col.player_color if col else None) or (org.player_color if org else None)
    return Snapshot(index=track.index, original_key=track.original_key, cover_key=track.cover_key, color=color,
                    info=dict(track.info or {}), variants=variants,
                    pending=[v for v in variants if v.id not in done], plan_version=track.plan_version or 0)


def process(rt: Runtime, tid: uuid.UUID, work: Path) -> None:
    """Make every wanted variant. Variants added while the run works (a job for them finds the
    lease taken) are made by this run too: it settles the status only when the wanted set is the
    one it last read, else it reads it again and makes what is new."""
    attempted: set[uuid.UUID] = set()
    with contextlib.ExitStack() as stack:
        src = None
        while True:
            with rt.unit() as db:
                snap = _snapshot(db, tid)
            if snap is None or not snap.original_key:
                return
            snap = dataclasses.replace(snap, pending=[v for v in snap.pending if v.id not in attempted])
            src = src or _fetch_original(stack, rt, snap.original_key, work)
            records, facts = _process_file(rt, tid, snap, src, work)
            attempted |= {v.id for v in snap.pending}
            if finish(rt, tid, records=records, facts=facts, plan_version=snap.plan_version):
                return


def _fetch_original(stack: contextlib.ExitStack, rt: Runtime, key: str, work: Path) -> Path:
    """The original as a local file (a streamed download for remote storage, removed afterwards).

    The database says the upload completed, so an original that storage cannot give is a fault of
    the storage (or of this worker's view of it), never of the upload."""
    missing = InfrastructureFault("storage", f"the original {key} is not in storage although its upload completed")
    with storage_step("reading the original"):
        found = rt.storage.stat(key)
    if found is None:
        raise missing
    if found.size > rt.settings.max_upload_bytes:
        raise MediaInitError(f"The uploaded file is larger than the limit of {rt.settings.max_upload_bytes} bytes")
    try:
        with storage_step("fetching the original"):
            return Path(stack.enter_context(rt.storage.fetch(key, work)))
    except InfrastructureFault as exc:
        if isinstance(exc.__cause__, FileNotFoundError):
            raise missing from None
        raise


def _process_file(rt: Runtime, tid: uuid.UUID, snap: Snapshot, src: Path,
                  work: Path) -> tuple[list[FileRecord], TrackFacts]:
    info = probe(src)
    if info.duration > rt.settings.max_duration_seconds:
        raise MediaInitError(f"The audio is longer than the limit of {rt.settings.max_duration_seconds} seconds")
    facts = _track_facts(info, snap)
    p = plan(snap.pending, work, aac_coder=rt.settings.aac_coder)
    by_index = {v.index: v for v in snap.pending}
    records: list[FileRecord] = []
    if p.original_index:
        original = _original_record(rt, snap, by_index[p.original_index], info, src)
        records.append(original)
        if p.files and original.ext in BROWSER_ORIGINALS:
            _publish_fallback(rt, tid, original, facts)

    need_loudness = "loudness" not in snap.info
    specs = list(p.files.values()) + analysis_specs(p, need_levels=False) + ([Loudness()] if need_loudness else [])
    result = render(src, specs, workdir=work, info=info) if specs else None
    if result is not None:
        records += _file_records(p, by_index, result)
        records += _analysis_records(p, by_index, result, work, snap.color)
        facts = _rendered_facts(facts, result)
    if p.cover_index:
        cover_records, cover = _cover_records(rt, snap, by_index[p.cover_index], Path(src), work)
        records += cover_records
        facts = dataclasses.replace(facts, cover=cover) if cover else facts
    return [_stored(rt, snap.index, rec) if rec.pending else rec for rec in records], facts


def _original_record(rt: Runtime, snap: Snapshot, variant: Variant, info, src: Path) -> FileRecord:
    rec = FileRecord(variant, src=Path(src), ext=_ext(info.suggested_extension), props={
        "codec": info.codec, "bitrate": round(info.bit_rate / 1000) if info.bit_rate else None,
        "sample_rate": info.sample_rate, "channels": info.channels, "duration": info.duration})
    return _stored(rt, snap.index, rec)


def _stored(rt: Runtime, track_index: str, rec: FileRecord) -> FileRecord:
    """Store one made output; a storage error is a fault of the storage (the run is retried)."""
    with storage_step(f"writing the {rec.variant.index} variant"):
        return store(rt.storage, track_index, rec)


def _track_facts(info, snap: Snapshot) -> TrackFacts:
    base = dict(snap.info)
    base["probe"] = {
        "codec": info.codec, "format_name": info.format_name, "sample_rate": info.sample_rate,
        "channels": info.channels, "bit_rate": info.bit_rate, "duration": info.duration,
        "tags": {k: v[:500] for k, v in list(info.tags.items())[:50]},
    }
    return TrackFacts(
        duration=info.duration,
        format={"codec": info.codec, "container": info.format_name, "sample_rate": info.sample_rate,
                "channels": info.channels, "bit_rate": info.bit_rate},
        info=base,
        title=(info.title or "")[:500] or None,
        subtitle=(info.artist or "")[:500] or None,
        inherited_color=snap.color,
    )


def _rendered_facts(facts: TrackFacts, result) -> TrackFacts:
    info = dict(facts.info)
    if result.loudness:
        info["loudness"] = result.loudness
    if result.truncated or result.decode_errors:
        info["damaged"] = {"truncated": result.truncated, "decode_errors": result.decode_errors}
    return dataclasses.replace(facts, duration=result.duration or facts.duration, info=info,
                               loudness_blocks=result.loudness_blocks or facts.loudness_blocks)


def _publish_fallback(rt: Runtime, tid: uuid.UUID, rec: FileRecord, facts: TrackFacts) -> None:
    """Make the track playable from its original while the ladder is still encoding."""
    with rt.unit() as db:
        track = db.get(Track, tid)
        if track is None:
            return
        record(db, track, rec)
        track.duration = facts.duration
        track.format = facts.format
        track.track_status_id = TrackStatus.FALLBACK
        track.status_text = "Playable from the original while variants are encoded"


def _file_records(p, by_index, result) -> list[FileRecord]:
    out = []
    for index in p.files:
        res = result.outputs.get(index)
        variant = by_index[index]
        if res is None or not res.ok:
            out.append(FileRecord(variant, error=(res.error if res else "not produced") or "encoding failed"))
            continue
        props = {"codec": variant.settings.get("codec"), "bitrate": res.bitrate, "avg_bitrate": res.avg_bitrate,
                 "sample_rate": res.sample_rate, "channels": res.channels, "duration": res.duration,
                 "container": res.container, "mime": res.mime, **(res.gapless or {})}
        data = None
        if res.kind == "preview":
            data = {"capture_start": res.capture_start, "capture_end": res.capture_end, "duration": res.full_duration}
        out.append(FileRecord(variant, src=Path(res.path), ext=_ext(res.extension), data=data, props=props))
    return out


def _analysis_records(p, by_index, result, work: Path, color: str | None) -> list[FileRecord]:
    out = []
    if p.levels_index:
        v = by_index[p.levels_index]
        if result.levels:
            out.append(FileRecord(v, src=write_json(work, "levels.json", result.levels), ext="json", data=result.levels))
        else:
            out.append(FileRecord(v, error=result.errors.get("levels", "levels failed")))
    if p.peaks_index:
        v = by_index[p.peaks_index]
        if result.peaks:
            summary = {k: val for k, val in result.peaks.items() if k != "data"}
            out.append(FileRecord(v, src=write_json(work, "peaks.json", result.peaks), ext="json", data=summary))
        else:
            out.append(FileRecord(v, error=result.errors.get("peaks", "peaks failed")))
    if p.waveform_index:
        v = by_index[p.waveform_index]
        try:
            if not result.levels:
                raise MediaError(result.errors.get("levels", "no levels to draw"))
            kwargs = {"color": color} if color else {}
            made = waveform_png(result.levels, work / "waveform.png", **kwargs)
            out.append(FileRecord(v, src=Path(made["path"]), ext="png",
                                  props={"width": made["width"], "height": made["height"]}))
        except MediaError as exc:
            out.append(FileRecord(v, error=str(exc)))
    return out


def _cover_records(rt: Runtime, snap: Snapshot, variant: Variant, audio: Path,
                   work: Path) -> tuple[list[FileRecord], CoverFacts | None]:
    with contextlib.ExitStack() as stack:
        with storage_step("reading the cover"):
            image = stack.enter_context(cover_source(rt.storage, snap.cover_key or keys.cover_upload(snap.index),
                                                     audio, work))
        if image is None:
            return [], None  # no art anywhere: nothing to make, nothing failed
        try:
            sizes, colors, chosen = make_sizes(image, work)
        except MediaError as exc:
            return [FileRecord(variant, error=f"cover: {exc}")], None
    with storage_step("writing the cover sizes"):
        stored_sizes = store_track_sizes(rt.storage, snap.index, variant.index, sizes)
    cover = CoverFacts(stored_sizes, colors, chosen)
    large = sizes.get("large") or next(iter(sizes.values()))
    return [FileRecord(variant, src=Path(large["path"]), ext="jpg", data={"sizes": list(sizes)},
                       props={"width": large["width"], "height": large["height"]})], cover


def _status(rows: list[TrackFile], types: dict) -> TrackStatus:
    playable = any(r.is_success and types.get(r.variant_id) in ("transcode", "original") for r in rows)
    failed = any(not r.is_success for r in rows)
    if not playable:
        return TrackStatus.ERROR
    return TrackStatus.INCOMPLETE if failed else TrackStatus.READY


def finish(rt: Runtime, tid: uuid.UUID, *, records: list[FileRecord], facts: TrackFacts | None = None,
           status: TrackStatus | None = None, reason: str | None = None, plan_version: int | None = None) -> bool:
    """Record files, settle the status, clear the lease, queue webhooks — one transaction.

    With `plan_version` (a run's end), the status is settled only if the wanted variants are still
    those the run read: False means new ones came meanwhile (files are recorded; run again)."""
    with rt.unit() as db:
        if plan_version is not None and not _same_plan(db, tid, plan_version):
            track = db.get(Track, tid)
            for rec in records if track is not None else []:
                record(db, track, rec)
            return False
        track = db.get(Track, tid)
        if track is None:
            return True
        previous = track.track_status_id
        written = [record(db, track, rec) for rec in records]
        if facts is not None:
            _apply(track, facts)
        variants = {v.id: v for v in variants_for_track(db, track)}
        if status is None:
            rows = list(db.scalars(select(TrackFile).where(TrackFile.track_id == tid)))
            status = _status(rows, {vid: v.variant_type_id for vid, v in variants.items()})
            failed = [r.status_text for r in rows if not r.is_success]
            reason = None if status == TrackStatus.READY else ("; ".join(f for f in failed if f)[:1000]
                                                               or "No playable variant")
        _settle(track, status, reason)
        # metrics: terminal statuses, and processing speed of runs that made something playable
        track_finished(status, track.duration if status in FINISHED_PLAYABLE else None)
        delivery_ids = record_track_events(db, public_url=rt.settings.public_url, track=track,
                                           previous_status=previous, files=written, variants=variants)
    for delivery_id in delivery_ids:
        rt.enqueue("webhooks.deliver", delivery_id)
    return True


def _same_plan(db, tid: uuid.UUID, plan_version: int) -> bool:
    """Take the track's row for this transaction if its plan is unchanged (a variant added now
    waits for this commit, then finds the lease free and its own job runs)."""
    result = db.execute(update(Track).where(Track.id == tid, Track.plan_version == plan_version)
                        .values(updated_at=utcnow()))
    return result.rowcount == 1 or db.get(Track, tid) is None


def _settle(track: Track, status: TrackStatus, reason: str | None) -> None:
    track.track_status_id = status
    track.status_text = reason
    track.lease_expires_at = None
    track.lease_token = None
    track.attempts = 0  # attempts count failures of one piece of work, not runs
    track.fault_since, track.fault_count = None, 0
    track.files_completed_at = utcnow()


def _apply(track: Track, facts: TrackFacts) -> None:
    track.duration = facts.duration if facts.duration is not None else track.duration
    track.format = facts.format or track.format
    track.info = facts.info
    if facts.loudness_blocks is not None:
        track.loudness_blocks = facts.loudness_blocks
    if not track.player_title:  # the title tag, else the file name without its extension
        track.player_title = facts.title or _stem(track.file_name)
    if facts.subtitle and not track.player_subtitle:
        track.player_subtitle = facts.subtitle
    if facts.cover is not None:
        track.cover_sizes = facts.cover.sizes
        track.image_colors = facts.cover.colors
        if facts.cover.chosen and not track.player_color:
            track.player_color = facts.cover.chosen
    if not track.player_color and facts.inherited_color:  # no cover to take a colour from
        track.player_color = facts.inherited_color
    track.is_dark = darkness(track.player_color)


def _stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem, dot, ext = file_name.rpartition(".")
    return (stem if dot and stem and 0 < len(ext) <= 5 else file_name)[:500]
