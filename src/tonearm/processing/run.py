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

from tonearm.catalog.models import Collection, Organization, Track, Variant
from tonearm.catalog.states import ACTIVE, TrackStatus
from tonearm.catalog.tracks import variants_for_track
from tonearm.jobs.runtime import Runtime
from tonearm.media import (
    Loudness,
    MediaError,
    MediaInitError,
    probe,
    waveform_png,
)
from tonearm.processing.covers import (
    cover_source,
    make_sizes,
    store_track_sizes,
)
from tonearm.processing.faults import InfrastructureFault, storage_step
from tonearm.processing import renderers
from tonearm.processing.ladder import analysis_specs, plan
from tonearm.processing.outputs import (
    FileRecord,
    existing_success,
    record,
    store,
    write_json,
)
from tonearm.processing.settle import CoverFacts, TrackFacts, file_stem, finish
from tonearm.processing.video import VideoInputs, video_records
from tonearm.storage import keys

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
    status: str = TrackStatus.PROCESSING
    title: str | None = None  # player_title and file_name: waveform videos show the title
    file_name: str | None = None


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
                    pending=[v for v in variants if v.id not in done], plan_version=track.plan_version or 0,
                    status=track.track_status_id, title=track.player_title, file_name=track.file_name)


def process(rt: Runtime, tid: uuid.UUID, work: Path) -> None:
    """Make every wanted variant. Variants added while the run works (a job for them finds the
    lease taken) are made by this run too: it settles the status only when the wanted set is the
    one it last read, else it reads it again and makes what is new.

    Required variants first: once they exist the track settles early (`ready`, settle.py) and the
    run goes on with the optional ones, then stamps `files_completed_at`."""
    attempted: set[uuid.UUID] = set()
    tried_early = False
    with contextlib.ExitStack() as stack:
        src = None
        while True:
            with rt.unit() as db:
                snap = _snapshot(db, tid)
            if snap is None or not snap.original_key:
                return
            pending = [v for v in snap.pending if v.id not in attempted]
            required = [v for v in pending if v.is_required is not False]
            optional = [v for v in pending if v.is_required is False]
            if required:
                batch, left = required, optional
            elif optional and snap.status in ACTIVE and not tried_early:
                batch, left = [], optional  # every required variant exists: ready before the optional ones
            else:
                batch, left = optional, []
            tried_early = tried_early or bool(left)
            src = src or _fetch_original(stack, rt, snap.original_key, work)
            records, facts = _make(rt, tid, dataclasses.replace(snap, pending=batch), src, work) \
                if batch or not left else ([], None)
            attempted |= {v.id for v in batch}
            if finish(rt, tid, records=records, facts=facts, plan_version=snap.plan_version,
                      optional_left=bool(left)):
                return


def _make(rt: Runtime, tid: uuid.UUID, snap: Snapshot, src: Path,
          work: Path) -> tuple[list[FileRecord], TrackFacts | None]:
    """Make `snap.pending`. On a track that is playable already (its optional variants), a media
    failure fails those variants with the reason instead of the track."""
    if snap.status in ACTIVE:
        return _process_file(rt, tid, snap, src, work)
    try:
        return _process_file(rt, tid, snap, src, work)
    except MediaError as exc:
        return [FileRecord(v, error=str(exc)[:1000] or type(exc).__name__) for v in snap.pending], None


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
    result = renderers.render(src, specs, workdir=work, info=info,
                              isolation=rt.settings.render_isolation) if specs else None
    if result is not None:
        records += _file_records(p, by_index, result)
        records += _analysis_records(p, by_index, result, work, snap.color)
        facts = _rendered_facts(facts, result)
    if p.cover_index:
        cover_records, cover = _cover_records(rt, snap, by_index[p.cover_index], Path(src), work)
        records += cover_records
        facts = dataclasses.replace(facts, cover=cover) if cover else facts
    if p.videos:
        inputs = VideoInputs(snap.index, snap.cover_key, snap.title or facts.title or file_stem(snap.file_name),
                             snap.color or (facts.cover.chosen if facts.cover else None), facts.duration, info.channels)
        records += video_records(rt.storage, inputs, [by_index[i] for i in p.videos], snap.variants, Path(src), work)
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
        if track is None or track.track_status_id not in ACTIVE:  # never below a status it reached
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
