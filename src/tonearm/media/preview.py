"""Preview clips: choosing the window and trimming/fading the frames."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from .specs import PreviewWindow


def window(duration: float, w: PreviewWindow) -> tuple[float, float]:
    """Return ``(capture_start, capture_end)`` in seconds of the full track.

    Length:

    * ``preview_type="seconds"``: ``preview_seconds``, clamped to
      ``[preview_min_percent, preview_max_percent]`` percent of the duration.
    * ``preview_type="percent"``: ``preview_percent`` percent of the duration,
      clamped to ``[preview_min_seconds, preview_max_seconds]`` seconds.

    In both modes a maximum of ``0`` means "no upper limit", a maximum below
    the minimum is raised to the minimum, and the length never exceeds the
    track.  The clip starts at ``preview_start_percent`` of the duration and
    is shifted earlier when needed so that it ends at the end of the track
    rather than being cut short.
    """
    duration = max(0.0, float(duration))
    if w.preview_type == "percent":
        length = duration * w.preview_percent / 100.0
        lo, hi = w.preview_min_seconds, w.preview_max_seconds
    else:
        length = float(w.preview_seconds)
        lo = duration * w.preview_min_percent / 100.0
        hi = duration * w.preview_max_percent / 100.0
    if hi > 0:
        length = min(length, max(hi, lo))
    length = min(max(length, lo), duration)
    start = duration * w.preview_start_percent / 100.0
    start = max(0.0, min(start, duration - length))
    return start, start + length


def fade_length(w: PreviewWindow, length: float) -> float:
    """Fade duration actually used: at most a quarter of the clip each way."""
    return max(0.0, min(w.fade_seconds, length / 4.0))


class PreviewShaper:
    """Cuts ``[start, end)`` out of a frame sequence and fades both ends.

    Frames must carry ``pts`` counted in samples at ``rate`` from the start
    of the track (the pipeline guarantees this).  Returned frames are new
    objects with ``pts`` restarting at zero; the input frames are not touched.
    """

    def __init__(self, start: float, end: float, rate: int, fade: float) -> None:
        self.rate = rate
        self.first = int(round(start * rate))
        self.last = max(self.first, int(round(end * rate)))
        self.fade = int(round(fade * rate))
        self.written = 0

    @property
    def done(self) -> bool:
        return self.first + self.written >= self.last

    def __call__(self, frame: av.AudioFrame) -> av.AudioFrame | None:
        pos = int(frame.pts)
        n = frame.samples
        lo = max(pos, self.first)
        hi = min(pos + n, self.last)
        if hi <= lo:
            return None
        planar = frame.format.is_planar
        channels = len(frame.layout.channels)
        data = frame.to_ndarray()
        if planar:
            data = data[:, lo - pos : hi - pos]
        else:
            data = data.reshape(n, channels)[lo - pos : hi - pos]
        gain = self._gain(lo - self.first, hi - lo)
        if gain is not None:
            data = data * (gain[None, :] if planar else gain[:, None])
        data = np.ascontiguousarray(data, dtype=data.dtype if gain is None else np.float32)
        if not planar:
            data = data.reshape(1, -1)
        out = av.AudioFrame.from_ndarray(data, format=frame.format.name, layout=frame.layout.name)
        out.sample_rate = self.rate
        out.pts = lo - self.first
        out.time_base = Fraction(1, self.rate)
        self.written = hi - self.first
        return out

    def _gain(self, offset: int, count: int) -> np.ndarray | None:
        """Raised-cosine fade gains for samples ``offset..offset+count``."""
        total = self.last - self.first
        if self.fade <= 0 or (self.fade <= offset and offset + count <= total - self.fade):
            return None
        idx = np.arange(offset, offset + count, dtype=np.float64)
        ramp_in = np.clip(idx / self.fade, 0.0, 1.0)
        ramp_out = np.clip((total - idx) / self.fade, 0.0, 1.0)
        ramp = np.minimum(ramp_in, ramp_out)
        return (0.5 - 0.5 * np.cos(np.pi * ramp)).astype(np.float32)
