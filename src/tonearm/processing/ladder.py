"""Turn variant rows (recipes) into media output specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tonearm.media import AudioOptions, Levels, MediaError, Peaks, Preview, PreviewWindow, Transcode, WaveformVideo
from tonearm.media.colors import parse_hex
from tonearm.media.specs import VIDEO_WINDOW

ENCODER_KEYS = ("mp3_quality", "aac_coder", "aac_cutoff", "aac_intensity_stereo", "aac_tns", "opus_complexity")
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
    videos: list[str] = field(default_factory=list)  # waveform_video indexes


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
        fragmented=settings.get("container") == "cmaf",
        **({"aac_coder": aac_coder} | tuning),
    )


def plan(variants, workdir: Path, *, aac_coder: str = "auto") -> Plan:
    files: dict[str, object] = {}
    levels_index = peaks_index = waveform_index = cover_index = original_index = None
    levels_samples = 320
    videos: list[str] = []
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
        elif v.variant_type_id == "waveform_video":
            videos.append(v.index)
    return Plan(files, levels_index, levels_samples, peaks_index, waveform_index, cover_index, original_index, videos)


def analysis_specs(p: Plan, *, need_levels: bool) -> list:
    specs: list = []
    if p.levels_index or p.waveform_index or need_levels:
        specs.append(Levels(num_samples=p.levels_samples))
    if p.peaks_index:
        specs.append(Peaks())
    return specs


def video_window(settings: dict, variants) -> PreviewWindow:
    """A waveform video's window: its recipe's own, else that of the track's preview variant (so
    the audiogram shows what the preview plays), else the default ladder's preview window."""
    source = settings if any(k in settings for k in WINDOW_FIELDS) else next(
        (v.settings or {} for v in variants if v.variant_type_id == "preview"), None)
    if source is None:
        return VIDEO_WINDOW
    return PreviewWindow(**{k: source[k] for k in WINDOW_FIELDS if k in source},
                         fade_seconds=VIDEO_WINDOW.fade_seconds)


def video_spec(variant, workdir: Path, *, variants, color: str | None) -> WaveformVideo:
    """The `waveform_video` recipe as a media spec; `color` (the track's player colour) is the
    progress colour unless the recipe names one. Raises MediaError, TypeError or ValueError for
    settings that cannot be a video (a hand-written TONEARM_DEFAULT_LADDER, say)."""
    s = variant.settings or {}
    defaults = WaveformVideo(dest=workdir)
    options = {k: s[k] for k in ("width", "height", "fps", "background_color", "waveform_color", "text_color")
               if k in s}
    return WaveformVideo(
        dest=workdir / f"{variant.index}.mp4", name=variant.index, **options,
        progress_color=s.get("progress_color") or _hex(color) or defaults.progress_color,
        embed_audio=bool(s.get("is_embed_audio", True)), audio_bitrate=int(s.get("bitrate", 128)),
        show_cover=bool(s.get("is_show_cover", True)), show_title=bool(s.get("is_show_title", True)),
        window=video_window(s, variants),
    )


def _hex(color: str | None) -> str | None:
    """`#rrggbb` for any colour the catalog accepts (`#abc` too), None for none."""
    try:
        return "#{:02x}{:02x}{:02x}".format(*parse_hex(color)) if color else None
    except MediaError:
        return None
