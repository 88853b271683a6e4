"""Turn variant rows (recipes) into media output specs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tonearm.media import AudioOptions, Levels, Peaks, Preview, PreviewWindow, Transcode

ENCODER_KEYS = ("mp3_quality", "aac_coder", "aac_cutoff", "aac_intensity_stereo", "opus_complexity")
WINDOW_FIELDS = (
    "preview_type", "preview_seconds", "preview_min_percent", "preview_max_percent", "preview_percent",
    "preview_min_seconds", "preview_max_seconds", "preview_start_percent",
)


@dataclass(frozen=True)
class Plan:
    """What one processing run will produce, by variant index."""

    files: dict[str, object]        # index -> Transcode | Preview spec
    levels_index: str | None
    levels_samples: int
    peaks_index: str | None
    waveform_index: str | None
    cover_index: str | None
    original_index: str | None


def audio_options(settings: dict, aac_coder: str = "auto") -> AudioOptions:
    """The rung's settings; encoder settings it does not name keep AudioOptions' defaults
    (``aac_coder`` falls back to the server-wide ``TONEARM_AAC_CODER``)."""
    tuning = {k: settings[k] for k in ENCODER_KEYS if settings.get(k) is not None}
    return AudioOptions(
        codec=settings.get("codec", "aac"),
        bitrate=int(settings.get("bitrate", 128)),
        stereo=bool(settings.get("is_stereo", True)),
        strip_tags=bool(settings.get("is_strip_tags", True)),
        strip_cover=bool(settings.get("is_strip_cover", True)),
        **({"aac_coder": aac_coder} | tuning),
    )


def plan(variants, workdir: Path, *, aac_coder: str = "auto") -> Plan:
    files: dict[str, object] = {}
    levels_index = peaks_index = waveform_index = cover_index = original_index = None
    levels_samples = 320
    for v in variants:
        s = v.settings or {}
        if v.variant_type_id == "transcode":
            files[v.index] = Transcode(dest=workdir / f"{v.index}.out", audio=audio_options(s, aac_coder), name=v.index)
        elif v.variant_type_id == "preview":
            window = PreviewWindow(**{k: s[k] for k in WINDOW_FIELDS if k in s})
            files[v.index] = Preview(dest=workdir / f"{v.index}.out", audio=audio_options(s, aac_coder), window=window, name=v.index)
        elif v.variant_type_id == "levels" and s.get("format") == "audiowaveform":
            peaks_index = v.index
        elif v.variant_type_id == "levels":
            levels_index = v.index
            levels_samples = int(s.get("num_samples", 320))
        elif v.variant_type_id == "waveform_image":
            waveform_index = v.index
        elif v.variant_type_id == "cover":
            cover_index = v.index
        elif v.variant_type_id == "original":
            original_index = v.index
    return Plan(files, levels_index, levels_samples, peaks_index, waveform_index, cover_index, original_index)


def analysis_specs(p: Plan, *, need_levels: bool) -> list:
    specs: list = []
    if p.levels_index or p.waveform_index or need_levels:
        specs.append(Levels(num_samples=p.levels_samples))
    if p.peaks_index:
        specs.append(Peaks())
    return specs
