"""The end of a processing step: record files, settle the status, queue webhooks — one transaction.

Two-phase readiness (AudioDN's Track Processing webhook): a track is `ready` (or `incomplete`) as
soon as every *required* variant exists or has failed with a reason — an early settle, with
`files_completed_at` null and the run keeping its lease — and the *optional* ones are made after
it; when every variant has a file or a failure, `files_completed_at` is stamped and a second
`track.status_changed` delivery goes out. A track without optional variants settles once, as
before. A failure given by the caller (init_error, give-ups) never stamps `files_completed_at`.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select, update

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.catalog.states import FINISHED_PLAYABLE, TrackStatus
from tonearm.catalog.tracks import variants_for_track
from tonearm.db.base import utcnow
from tonearm.jobs.metrics import track_finished
from tonearm.jobs.runtime import Runtime
from tonearm.processing.covers import darkness
from tonearm.processing.outputs import FileRecord, record
from tonearm.webhooks.service import file_signer, record_track_events

PLAYABLE_TYPES = ("transcode", "original")
STILL_MAKING = "Ready; optional variants are still being made"


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


def required(variant: Variant | None) -> bool:
    return variant is None or variant.is_required is not False


def outcome(rows: list[TrackFile], variants: dict[uuid.UUID, Variant]) -> tuple[TrackStatus, str | None]:
    """ready (something playable, no required variant failed), incomplete (a required one failed),
    error (nothing playable). An optional variant's failure shows in its file, not in the status."""
    playable = any(r.is_success and getattr(variants.get(r.variant_id), "variant_type_id", None) in PLAYABLE_TYPES
                   for r in rows)
    failed = [r for r in rows if not r.is_success]
    if not playable:
        return TrackStatus.ERROR, "; ".join(r.status_text for r in failed if r.status_text)[:1000] or "No playable variant"
    failed = [r for r in failed if required(variants.get(r.variant_id))]
    if failed:
        return TrackStatus.INCOMPLETE, "; ".join(r.status_text for r in failed if r.status_text)[:1000] or "Failed"
    return TrackStatus.READY, None


def finish(rt: Runtime, tid: uuid.UUID, *, records: list[FileRecord], facts: TrackFacts | None = None,
           status: TrackStatus | None = None, reason: str | None = None, plan_version: int | None = None,
           optional_left: bool = False) -> bool:
    """Record files and settle the status. True when the run is over.

    With `plan_version` (a run's step), the status is settled only if the wanted variants are still
    those the run read: False means new ones came meanwhile (files are recorded; run again).
    `optional_left`: optional variants are still to be made — settle early (ready/incomplete,
    `files_completed_at` null, the lease kept) and return False, so the run goes on with them."""
    sign = file_signer(rt)
    with rt.unit() as db:
        track = db.get(Track, tid)
        if track is None:
            return True
        if plan_version is not None and not _same_plan(db, tid, plan_version):
            written = [record(db, track, rec) for rec in records]
            ids, done = record_track_events(db, track=track, previous_status=None, written=written, sign=sign,
                                            status_event=False), False
        else:
            ids, done = _settle_step(db, track, records, facts, status, reason, optional_left, sign)
    for delivery_id in ids:
        rt.enqueue("webhooks.deliver", delivery_id)
    return done


def _settle_step(db, track: Track, records, facts, status, reason, optional_left, sign) -> tuple[list, bool]:
    previous = track.track_status_id
    variants = {v.id: v for v in variants_for_track(db, track)}
    if status is not None and previous in FINISHED_PLAYABLE:
        # A failure after the track was ready (while making optional variants): it stays playable,
        # the optional variants still missing fail with the reason.
        records = records + _missing(db, track, variants, reason or str(status))
        status = reason = None
    written = [record(db, track, rec) for rec in records]
    if facts is not None:
        _apply(track, facts)
    complete = status is None
    if status is None:
        status, reason = outcome(list(db.scalars(select(TrackFile).where(TrackFile.track_id == track.id))), variants)
    if optional_left:
        if status not in FINISHED_PLAYABLE:  # nothing playable yet: go on, settle at the end
            return record_track_events(db, track=track, previous_status=None, written=written, sign=sign,
                                       status_event=False), False
        track.track_status_id, track.status_text = status, reason or STILL_MAKING
        track.files_completed_at = None  # the lease stays: this run goes on with the optional ones
        if previous != status:
            track_finished(status, track.duration)
        return record_track_events(db, track=track, previous_status=previous, written=written, sign=sign,
                                   status_event=previous != status), False
    _settle(track, status, reason, complete=complete)
    # metrics: terminal statuses, and processing speed of runs that made something playable
    if previous != status:
        track_finished(status, track.duration if status in FINISHED_PLAYABLE else None)
    return record_track_events(db, track=track, previous_status=previous, written=written, sign=sign), True


def _missing(db, track: Track, variants: dict[uuid.UUID, Variant], reason: str) -> list[FileRecord]:
    """A failure record for every optional variant that has no file row yet."""
    have = set(db.scalars(select(TrackFile.variant_id).where(TrackFile.track_id == track.id)))
    return [FileRecord(v, error=reason) for vid, v in variants.items() if vid not in have and not required(v)]


def _same_plan(db, tid: uuid.UUID, plan_version: int) -> bool:
    """Take the track's row for this transaction if its plan is unchanged (a variant added now
    waits for this commit, then finds the lease free and its own job runs)."""
    result = db.execute(update(Track).where(Track.id == tid, Track.plan_version == plan_version)
                        .values(updated_at=utcnow()))
    return result.rowcount == 1 or db.get(Track, tid) is None


def _settle(track: Track, status: TrackStatus, reason: str | None, *, complete: bool) -> None:
    track.track_status_id = status
    track.status_text = reason
    track.lease_expires_at = None
    track.lease_token = None
    track.attempts = 0  # attempts count failures of one piece of work, not runs
    track.fault_since, track.fault_count = None, 0
    # Every variant has a file or a failure. A failure status given by the caller (init_error, a
    # give-up) leaves it null: the variants were not all attempted.
    track.files_completed_at = utcnow() if complete else None


def _apply(track: Track, facts: TrackFacts) -> None:
    track.duration = facts.duration if facts.duration is not None else track.duration
    track.format = facts.format or track.format
    track.info = facts.info
    if facts.loudness_blocks is not None:
        track.loudness_blocks = facts.loudness_blocks
    if not track.player_title:  # the title tag, else the file name without its extension
        track.player_title = facts.title or file_stem(track.file_name)
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


def file_stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem, dot, ext = file_name.rpartition(".")
    return (stem if dot and stem and 0 < len(ext) <= 5 else file_name)[:500]
