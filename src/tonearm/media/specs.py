"""Output specifications accepted by :func:`tonearm.media.render`.

Each spec is a frozen dataclass describing one thing to produce from a
single decode of the source:

* :class:`Transcode` -- an encoded audio file;
* :class:`Preview` -- a faded clip of the track, encoded like a transcode;
* :class:`Levels` -- the small waveform summary used by the player;
* :class:`Peaks` -- BBC audiowaveform-compatible peaks for peaks.js;
* :class:`Loudness` -- EBU R128 measurement plus a normalisation gain.

Field names and defaults follow the ``addTrackVariant`` request body of the
AudioDN API (``codec``, ``bitrate``, ``is_stereo``, ``is_strip_tags``,
``is_strip_cover``, ``preview_*``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MediaError

CODECS = ("aac", "mp3", "ogg", "opus")
MIN_BITRATE = 12
MAX_BITRATE = 320
AAC_CODERS = ("auto", "fast", "twoloop")
#: "auto" picks the fast coder from this bitrate up (kbps), twoloop below.
AAC_FAST_FROM = 192
AAC_CUTOFF_RANGE = (4000, 22050)
#: Defaults chosen by bench/quality.py (docs/processing.md, "Encoder settings").
DEFAULT_MP3_QUALITY = 3
DEFAULT_OPUS_COMPLEXITY = 10


def _int_in(value, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


@dataclass(frozen=True)
class AudioOptions:
    """Encoding options shared by transcodes and previews.

    ``stereo=True`` keeps two channels when the source has at least two (a
    mono source stays mono: up-mixing only wastes bits); ``False`` down-mixes
    to mono.  ``strip_tags=False`` copies title/artist/album;
    ``strip_cover=False`` embeds the source's cover picture (MP3 and M4A
    only, see :mod:`tonearm.media.encoders`).
    """

    codec: str = "aac"
    bitrate: int = 128  # kbps
    stereo: bool = True
    strip_tags: bool = True
    strip_cover: bool = True
    #: FFmpeg's AAC coder: "fast" encodes about twice as fast as "twoloop" (FFmpeg's default).
    #: With intensity stereo off it scores as well as twoloop at 256 kbps but worse at 128, so
    #: "auto" takes fast from AAC_FAST_FROM kbps up (docs/processing.md has the scores).
    aac_coder: str = "auto"
    #: AAC low-pass in Hz; 0 lets the encoder pick from the bitrate.
    aac_cutoff: int = 0
    #: AAC intensity stereo (FFmpeg's default is on): it keeps one channel's fine structure
    #: for the high bands, which wrecks the fast coder's output at any bitrate (MOS 4.07 vs
    #: 4.99 on a real track); off by default.
    aac_intensity_stereo: bool = False
    #: AAC temporal noise shaping (FFmpeg's default is on). None = off with the fast coder, where
    #: turning it off saves 3-8 % of the encode and scores the same or higher (bench/encoder_speed.py),
    #: on with twoloop (not measured there).
    aac_tns: bool | None = None
    #: LAME's algorithm quality 0 (best, slowest) - 9 (fastest); FFmpeg's default is LAME's 3.
    mp3_quality: int = DEFAULT_MP3_QUALITY
    #: libopus complexity 0-10 (10 is libopus' default and the slowest).
    opus_complexity: int = DEFAULT_OPUS_COMPLEXITY
    #: AAC only: write a fragmented MP4 (CMAF) that Media Source Extensions can append as is
    #: (the gapless rung, see :mod:`tonearm.media.gapless`).
    fragmented: bool = False

    @property
    def aac_coder_used(self) -> str:
        if self.aac_coder != "auto":
            return self.aac_coder
        return "fast" if self.bitrate >= AAC_FAST_FROM else "twoloop"

    @property
    def aac_tns_used(self) -> bool:
        return self.aac_tns if self.aac_tns is not None else self.aac_coder_used != "fast"

    def __post_init__(self) -> None:
        if self.aac_coder not in AAC_CODERS:
            raise MediaError(f"aac_coder must be one of {', '.join(AAC_CODERS)}")
        if not _int_in(self.aac_cutoff, 0, 0) and not _int_in(self.aac_cutoff, *AAC_CUTOFF_RANGE):
            raise MediaError("aac_cutoff must be 0 (automatic) or {}-{} Hz".format(*AAC_CUTOFF_RANGE))
        if not isinstance(self.aac_intensity_stereo, bool):
            raise MediaError("aac_intensity_stereo must be true or false")
        if self.aac_tns is not None and not isinstance(self.aac_tns, bool):
            raise MediaError("aac_tns must be true or false")
        if not _int_in(self.mp3_quality, 0, 9):
            raise MediaError("mp3_quality must be an integer 0-9")
        if not _int_in(self.opus_complexity, 0, 10):
            raise MediaError("opus_complexity must be an integer 0-10")
        if self.codec not in CODECS:
            raise MediaError(f"unsupported codec {self.codec!r}; use one of {', '.join(CODECS)}")
        if not isinstance(self.bitrate, int) or not MIN_BITRATE <= self.bitrate <= MAX_BITRATE:
            raise MediaError(f"bitrate must be {MIN_BITRATE}-{MAX_BITRATE} kbps")


@dataclass(frozen=True)
class Transcode:
    dest: Path
    audio: AudioOptions = field(default_factory=AudioOptions)
    #: key of this output in :attr:`RenderResult.outputs` (default: dest name)
    name: str | None = None

    @property
    def key(self) -> str:
        return self.name or Path(self.dest).name


@dataclass(frozen=True)
class PreviewWindow:
    """Where the preview clip sits; see :func:`tonearm.media.preview.window`."""

    preview_type: str = "seconds"
    preview_seconds: float = 60.0
    preview_min_percent: float = 0.0
    preview_max_percent: float = 50.0
    preview_percent: float = 25.0
    preview_min_seconds: float = 0.0
    preview_max_seconds: float = 90.0
    preview_start_percent: float = 25.0
    #: length of the linear fade-in and fade-out, seconds
    fade_seconds: float = 0.75

    def __post_init__(self) -> None:
        if self.preview_type not in ("seconds", "percent"):
            raise MediaError("preview_type must be 'seconds' or 'percent'")
        for name in (
            "preview_seconds", "preview_min_percent", "preview_max_percent",
            "preview_percent", "preview_min_seconds", "preview_max_seconds",
            "preview_start_percent", "fade_seconds",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise MediaError(f"{name} must be a non-negative number")
        if self.preview_start_percent > 100:
            raise MediaError("preview_start_percent must be 0-100")


@dataclass(frozen=True)
class Preview:
    dest: Path
    audio: AudioOptions = field(default_factory=AudioOptions)
    window: PreviewWindow = field(default_factory=PreviewWindow)
    name: str | None = None

    @property
    def key(self) -> str:
        return self.name or Path(self.dest).name


@dataclass(frozen=True)
class Levels:
    """``num_samples`` buckets of peak (or RMS) amplitude across the track."""

    num_samples: int = 320
    metric: str = "peak"  # or "rms"

    def __post_init__(self) -> None:
        if self.metric not in ("peak", "rms"):
            raise MediaError("levels metric must be 'peak' or 'rms'")
        if not 1 <= self.num_samples <= 100_000:
            raise MediaError("levels num_samples must be 1-100000")


@dataclass(frozen=True)
class Peaks:
    """audiowaveform-style min/max pairs.

    ``samples_per_pixel`` is the finest resolution; it is raised (in steps
    that are multiples of it) until the output has at most ``max_length``
    pairs, so long files stay a reasonable size.
    """

    samples_per_pixel: int = 512
    max_length: int = 65_536

    def __post_init__(self) -> None:
        if not 16 <= self.samples_per_pixel <= 1 << 20:
            raise MediaError("samples_per_pixel must be 16-1048576")
        if self.max_length < 16:
            raise MediaError("max_length must be at least 16")


@dataclass(frozen=True)
class Loudness:
    """EBU R128 measurement; gain brings the track to ``target_lufs``
    without pushing the true peak above ``max_true_peak`` dBTP."""

    target_lufs: float = -14.0
    max_true_peak: float = -1.0


OutputSpec = Transcode | Preview | Levels | Peaks | Loudness


#: Limits of a waveform video: H.264 in 4:2:0 needs even sides; at most 1080p worth of pixels.
VIDEO_MIN_SIDE = 128
VIDEO_MAX_SIDE = 1920
VIDEO_MAX_PIXELS = 1920 * 1080
VIDEO_MAX_FPS = 60
#: The longest stretch of audio one video shows (seconds); a longer window is cut to this.
VIDEO_MAX_SECONDS = 300.0
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def is_hex_color(value: object) -> bool:
    return isinstance(value, str) and len(value) == 7 and value[0] == "#" and set(value[1:]) <= HEX_DIGITS


def video_size_problem(width: object, height: object) -> str | None:
    """Why ``width`` x ``height`` cannot be a waveform video, or None when it can."""
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{name} must be an integer"
        if not VIDEO_MIN_SIDE <= value <= VIDEO_MAX_SIDE:
            return f"{name} must be {VIDEO_MIN_SIDE}-{VIDEO_MAX_SIDE} pixels"
        if value % 2:
            return f"{name} must be even (H.264 with 4:2:0 chroma)"
    if width * height > VIDEO_MAX_PIXELS:
        return f"width x height must be at most {VIDEO_MAX_PIXELS} pixels (1920x1080)"
    return None


#: The window a waveform video shows when its recipe names none and the track has no preview
#: variant: the default ladder's preview (30 s from 25 %).
VIDEO_WINDOW = PreviewWindow(preview_seconds=30, preview_max_percent=100, preview_start_percent=25,
                             fade_seconds=0.5)


@dataclass(frozen=True)
class WaveformVideo:
    """An H.264 MP4 audiogram: the waveform of ``window`` with a moving playhead, the cover and the
    title, and (``embed_audio``) that stretch of audio as AAC; see :mod:`tonearm.media.video`."""

    dest: Path
    width: int = 1280
    height: int = 720
    fps: int = 25
    background_color: str = "#111827"
    waveform_color: str = "#4b5563"
    progress_color: str = "#f59e0b"
    text_color: str = "#f9fafb"
    embed_audio: bool = True
    audio_bitrate: int = 128  # kbps, AAC
    show_cover: bool = True
    show_title: bool = True
    window: PreviewWindow = VIDEO_WINDOW
    name: str | None = None

    def __post_init__(self) -> None:
        problem = video_size_problem(self.width, self.height)
        if problem:
            raise MediaError(problem)
        if not isinstance(self.fps, int) or isinstance(self.fps, bool) or not 1 <= self.fps <= VIDEO_MAX_FPS:
            raise MediaError(f"fps must be an integer 1-{VIDEO_MAX_FPS}")
        for name in ("background_color", "waveform_color", "progress_color", "text_color"):
            if not is_hex_color(getattr(self, name)):
                raise MediaError(f"{name} must be a #rrggbb colour")
        if not isinstance(self.audio_bitrate, int) or not MIN_BITRATE <= self.audio_bitrate <= MAX_BITRATE:
            raise MediaError(f"audio bitrate must be {MIN_BITRATE}-{MAX_BITRATE} kbps")

    @property
    def key(self) -> str:
        return self.name or Path(self.dest).name
