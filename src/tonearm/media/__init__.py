"""Tonearm's pure media layer: probing, decode-once rendering, analysis,
waveform images and videos, cover art and colour extraction.

Everything here is a plain function over files/bytes (PyAV, numpy, Pillow);
nothing imports the database, web framework or any other tonearm package.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING

# Exported name → the submodule defining it. Imported on first use (PEP 562): the API process
# reaches a few pure helpers here (colour contrast, spec limits) and must not pay for PyAV,
# numpy and Pillow, which only processing needs (docs/performance.md, API memory).
_EXPORTS = {
    "contrast_ratio": "colors", "contrast_variants": "colors", "is_dark": "colors", "palette": "colors",
    "player_color": "colors",
    "COVER_SIZES": "cover", "cover_sizes": "cover", "extract_cover": "cover",
    "MediaError": "errors", "MediaInitError": "errors",
    "render": "pipeline",
    "preview_window": "preview",
    "Probe": "probe", "probe": "probe",
    "OutputResult": "results", "RenderResult": "results",
    "AudioOptions": "specs", "Levels": "specs", "Loudness": "specs", "Peaks": "specs", "Preview": "specs",
    "PreviewWindow": "specs", "Transcode": "specs", "WaveformVideo": "specs",
    "waveform_video": "video",
    "waveform_png": "waveform",
}
_RENAMED = {"preview_window": "window"}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """Importing a submodule sets it as an attribute of this package; `probe` is both a submodule
    and the function exported under that name. As with the eager imports this package had, the
    name stays the function (the submodule is still `sys.modules["tonearm.media.probe"]`)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            self.__dict__.pop(name, None)  # resolved by __getattr__ on first use
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # for type checkers and import-linter: the same names, imported eagerly
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

__all__ = sorted(_EXPORTS)
