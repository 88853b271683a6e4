"""Tonearm's pure media layer: probing, decode-once rendering, analysis,
waveform images and videos, cover art and colour extraction.

Everything here is a plain function over files/bytes (PyAV, numpy, Pillow);
nothing imports the database, web framework or any other tonearm package.
"""

from .colors import contrast_ratio, contrast_variants, is_dark, palette, player_color
from .cover import COVER_SIZES, cover_sizes, extract_cover
from .errors import MediaError, MediaInitError
from .pipeline import render
from .preview import window as preview_window
from .probe import Probe, probe
from .results import OutputResult, RenderResult
from .specs import (
    AudioOptions,
    Levels,
    Loudness,
    Peaks,
    Preview,
    PreviewWindow,
    Transcode,
    WaveformVideo,
)
from .video import waveform_video
from .waveform import waveform_png

__all__ = [
    "AudioOptions",
    "COVER_SIZES",
    "Levels",
    "Loudness",
    "MediaError",
    "MediaInitError",
    "OutputResult",
    "Peaks",
    "Preview",
    "PreviewWindow",
    "Probe",
    "RenderResult",
    "Transcode",
    "WaveformVideo",
    "contrast_ratio",
    "contrast_variants",
    "cover_sizes",
    "extract_cover",
    "is_dark",
    "palette",
    "player_color",
    "preview_window",
    "probe",
    "render",
    "waveform_png",
    "waveform_video",
]
