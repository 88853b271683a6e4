"""One processing run for one track, and the status/webhook bookkeeping at its end."""

from __future__ import annotations

import contextlib
import logging
import uuid
from pathlib import Path

from sqlalchemy import select

from tonearm.catalog.models import Collection, Organization, Track, TrackFile
from tonearm.catalog.tracks import variants_for_track
from tonearm.db.base import utcnow
from tonearm.db.session import session_scope
from tonearm.jobs.metrics import track_finished
from tonearm.media import Loudness, MediaError, MediaInitError, probe, render, waveform_png
from tonearm.processing.covers import cover_source, darkness, make_sizes, store_track_sizes
from tonearm.processing.ladder import analysis_specs, plan
from tonearm.processing.outputs import FileRecord, existing_success, record, store, write_json
from tonearm.storage import keys
from tonearm.webhooks.service import record_track_events

log = logging.getLogger("tonearm.processing")
BROWSER_ORIGINALS = {"mp3", "m4a", "ogg", "opus", "oga", "webm", "flac", "wav"}


def _ext(value: str | None) -> str:
    return (value or "bin").lstrip(".").lower()


def _snapshot(db, tid: uuid.UUID):
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
    return {
        "index": track.index, "original_key": track.original_key, "cover_key": track.cover_key,
        "color": color, "info": dict(track.info or {}), "variants": variants,
        "pending": [v for v in variants if v.id not in done],
    }


def process(ctx, tid: uuid.UUID, work: Path) -> None:
    settings = ctx.settings
    with session_scope(settings.database_url) as db:
        snap = _snapshot(db, tid)
    if snap is None or not snap["original_key"]:
        return
    with contextlib.ExitStack() as stack:
        src = _fetch_original(stack, ctx, snap["original_key"], work)
        _process_file(ctx, tid, snap, src, work)


def _fetch_original(stack: contextlib.ExitStack, ctx, key: str, work: Path) -> Path:
    """The original as a local file (a streamed download for remote storage, removed afterwards)."""
    found = ctx.storage.stat(key)
    if found is None:
        raise MediaInitError("The uploaded file is missing from storage")
    if found.size > ctx.settings.max_upload_bytes:
        raise MediaInitError(f"The uploaded file is larger than the limit of {ctx.settings.max_upload_bytes} bytes")
    try:
        return Path(stack.enter_context(ctx.storage.fetch(key, work)))
    except FileNotFoundError:
        raise MediaInitError("The uploaded file is missing from storage") from None


def _process_file(ctx, tid: uuid.UUID, snap: dict, src: Path, work: Path) -> None:
    settings, storage = ctx.settings, ctx.storage
    info = probe(src)
    if info.duration > settings.max_duration_seconds:
        raise MediaInitError(f"The audio is longer than the limit of {settings.max_duration_seconds} seconds")
    updates = _track_updates(info, snap)
    p = plan(snap["pending"], work, aac_coder=settings.aac_coder)
    by_index = {v.index: v for v in snap["pending"]}
    records: list[FileRecord] = []

    if p.original_index:
        ext = _ext(info.suggested_extension)
        rec = FileRecord(by_index[p.original_index], src=Path(src), ext=ext, props={
            "codec": info.codec, "bitrate": round(info.bit_rate / 1000) if info.bit_rate else None,
            "sample_rate": info.sample_rate, "channels": info.channels, "duration": info.duration})
        store(storage, _TrackRef(snap["index"]), rec)
        records.append(rec)
        if p.files and ext in BROWSER_ORIGINALS:
            _publish_fallback(ctx, tid, rec, updates)

    need_loudness = "loudness" not in snap["info"]
    specs = list(p.files.values()) + analysis_specs(p, need_levels=False) + ([Loudness()] if need_loudness else [])
    result = render(src, specs, workdir=work, info=info) if specs else None
    if result is not None:
        records += _file_records(p, by_index, result)
        records += _analysis_records(p, by_index, result, work, snap["color"])
        updates["duration"] = result.duration or info.duration
        if result.loudness:
            updates["info"]["loudness"] = result.loudness
        if result.truncated or result.decode_errors:
            updates["info"]["damaged"] = {"truncated": result.truncated, "decode_errors": result.decode_errors}
    if p.cover_index:
        records += _cover_records(ctx, snap, by_index[p.cover_index], Path(src), work, updates)
    ref = _TrackRef(snap["index"])
    for rec in records:
        if rec.key is None and rec.error is None:
            try:
                store(storage, ref, rec)
            except OSError as exc:
                rec.error = f"storage: {exc.strerror or exc}"
    finish(ctx, tid, records=records, updates=updates)


class _TrackRef:
    def __init__(self, index: str):
        self.index = index


def _track_updates(info, snap) -> dict:
    base = {k: v for k, v in snap["info"].items()}
    base["probe"] = {
        "codec": info.codec, "format_name": info.format_name, "sample_rate": info.sample_rate,
        "channels": info.channels, "bit_rate": info.bit_rate, "duration": info.duration,
        "tags": {k: v[:500] for k, v in list(info.tags.items())[:50]},
    }
    return {
        "duration": info.duration,
        "format": {"codec": info.codec, "container": info.format_name, "sample_rate": info.sample_rate,
                   "channels": info.channels, "bit_rate": info.bit_rate},
        "info": base,
        "title": (info.title or "")[:500] or None,
        "subtitle": (info.artist or "")[:500] or None,
    }


def _publish_fallback(ctx, tid, rec: FileRecord, updates: dict) -> None:
    """Make the track playable from its original while the ladder is still encoding."""
    with session_scope(ctx.settings.database_url) as db:
        track = db.get(Track, tid)
        if track is None:
            return
        record(db, track, rec)
        track.duration = updates["duration"]
        track.format = updates["format"]
        track.track_status_id = "fallback"
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
                 "container": res.container, "mime": res.mime}
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


def _cover_records(ctx, snap, variant, audio: Path, work: Path, updates: dict) -> list[FileRecord]:
    with cover_source(ctx.storage, snap["cover_key"] or keys.cover_upload(snap["index"]), audio, work) as image:
        if image is None:
            return []  # no art anywhere: nothing to make, nothing failed
        try:
            sizes, colors, chosen = make_sizes(image, work)
        except MediaError as exc:
            return [FileRecord(variant, error=f"cover: {exc}")]
    updates["cover_sizes"] = store_track_sizes(ctx.storage, snap["index"], variant.index, sizes)
    updates["image_colors"] = colors
    updates["cover_color"] = chosen
    large = sizes.get("large") or next(iter(sizes.values()))
    return [FileRecord(variant, src=Path(large["path"]), ext="jpg", data={"sizes": list(sizes)},
                       props={"width": large["width"], "height": large["height"]})]


def _status(rows: list[TrackFile], types: dict) -> str:
    playable = any(r.is_success and types.get(r.variant_id) in ("transcode", "original") for r in rows)
    failed = any(not r.is_success for r in rows)
    if not playable:
        return "error"
    return "incomplete" if failed else "ready"


def finish(ctx, tid: uuid.UUID, *, records: list[FileRecord], updates: dict | None = None,
           status: str | None = None, reason: str | None = None) -> None:
    """Record files, settle the status, clear the lease, queue webhooks — one transaction."""
    settings = ctx.settings
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        if track is None:
            return
        previous = track.track_status_id
        written = [record(db, track, rec) for rec in records]
        if updates:
            _apply(track, updates)
        variants = {v.id: v for v in variants_for_track(db, track)}
        if status is None:
            rows = list(db.scalars(select(TrackFile).where(TrackFile.track_id == tid)))
            status = _status(rows, {vid: v.variant_type_id for vid, v in variants.items()})
            failed = [r.status_text for r in rows if not r.is_success]
            reason = None if status == "ready" else ("; ".join(f for f in failed if f)[:1000] or "No playable variant")
        track.track_status_id = status
        track.status_text = reason
        track.lease_expires_at = None
        track.lease_token = None
        track.files_completed_at = utcnow()
        track_finished(status, track.duration)  # metrics: terminal statuses, processing speed
        delivery_ids = record_track_events(db, public_url=settings.public_url, track=track, previous_status=previous,
                                           files=written, variants=variants)
    for delivery_id in delivery_ids:
        ctx.queue.enqueue("webhooks.deliver", str(delivery_id))


def _apply(track: Track, updates: dict) -> None:
    track.duration = updates.get("duration", track.duration)
    track.format = updates.get("format", track.format)
    track.info = updates.get("info", track.info)
    if updates.get("title") and not track.player_title:
        track.player_title = updates["title"]
    if updates.get("subtitle") and not track.player_subtitle:
        track.player_subtitle = updates["subtitle"]
    if "cover_sizes" in updates:
        track.cover_sizes = updates["cover_sizes"]
        track.image_colors = updates["image_colors"]
        if updates.get("cover_color") and not track.player_color:
            track.player_color = updates["cover_color"]
    track.is_dark = darkness(track.player_color)


