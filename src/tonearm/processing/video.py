"""Waveform videos of a run: the cover (uploaded, else embedded) and the title go to
`media.waveform_video`, one MP4 per `waveform_video` variant; a video that cannot be made is a
failed file with its reason, never a failed run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from tonearm.media import MediaError, waveform_video
from tonearm.processing.covers import cover_source
from tonearm.processing.faults import storage_step
from tonearm.processing.ladder import video_spec
from tonearm.processing.outputs import FileRecord
from tonearm.storage import keys


@dataclass(frozen=True)
class VideoInputs:
    """What every video of a track shares."""

    track_index: str
    cover_key: str | None
    title: str | None
    color: str | None  # the track's player colour
    duration: float
    channels: int


def video_records(storage, inputs: VideoInputs, variants: list, ladder: list, src: Path,
                  work: Path) -> list[FileRecord]:
    """One FileRecord per variant in `variants` (`ladder`: all the track's variants, where the
    preview window is looked up)."""
    out = []
    with contextlib.ExitStack() as stack:
        cover = None
        if any((v.settings or {}).get("is_show_cover", True) for v in variants):
            with storage_step("reading the cover"):
                cover = stack.enter_context(cover_source(
                    storage, inputs.cover_key or keys.cover_upload(inputs.track_index), src, work))
        for variant in variants:
            out.append(_one(inputs, variant, ladder, src, work, cover))
    return out


def _one(inputs: VideoInputs, variant, ladder: list, src: Path, work: Path, cover: Path | None) -> FileRecord:
    try:
        spec = video_spec(variant, work, variants=ladder, color=inputs.color)
        made = waveform_video(src, spec, title=inputs.title, cover=cover, duration=inputs.duration,
                              channels=inputs.channels)
    except (MediaError, TypeError, ValueError) as exc:
        return FileRecord(variant, error=f"waveform video: {exc}")
    props = {"codec": "h264", "audio_codec": "aac" if made["has_audio"] else None,
             "bitrate": spec.audio_bitrate if made["has_audio"] else None, "container": "mp4",
             "mime": "video/mp4", **{k: made[k] for k in ("width", "height", "fps", "frames", "duration")}}
    data = {"capture_start": made["capture_start"], "capture_end": made["capture_end"],
            "duration": inputs.duration}
    return FileRecord(variant, src=Path(made["path"]), ext="mp4", data=data, props=props)
