"""BS.1770 K-weighting into 100 ms mean squares: the one pass every loudness figure is built from.

The two filters of ITU-R BS.1770 (a high shelf and a high-pass, designed for the source rate with
the same formulas FFmpeg's ``ebur128`` uses) run as FFmpeg ``biquad`` filters in an in-process
graph, in double precision (single precision saves no measurable CPU and strays up to 0.2 dB on
quiet steps after loud ones at 96 kHz; docs/processing.md).  What leaves :class:`StepMeter` is,
for every 100 ms step since the start, the channel-weighted sum of the per-channel mean squares.
Four consecutive steps make one 400 ms gating block, thirty one 3 s short-term window
(:mod:`.loudness`, :mod:`.album`).  A step is ``rate // 10`` samples, as in FFmpeg's meter;
samples short of a whole step are carried as partial sums, never re-copied.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
import av.error
import av.filter
import numpy as np

#: FFmpeg's ``biquad`` precision for the K-weighting filters (``f32`` or ``f64``).
PRECISION = "f64"

#: BS.1770 weight 1.41 for surround channels (FFmpeg's list: back, side, top-back, surround-direct).
_SURROUND = {"BL", "BR", "BC", "SL", "SR", "TBL", "TBC", "TBR", "SDL", "SDR"}
_LFE = {"LFE", "LFE2"}
#: FFmpeg's first native channels, to name the channels of a layout that has no names.
_NATIVE = "FL+FR+FC+LFE+BL+BR+FLC+FRC+BC+SL+SR+TC+TFL+TFC+TFR+TBL+TBC+TBR".split("+")


def ready_frames(graph):
    """The frames a filter graph has ready now; stops when it wants more input (EAGAIN) or ends."""
    while True:
        try:
            out = graph.pull()
        except (av.error.BlockingIOError, EOFError):
            return
        except av.error.FFmpegError as exc:
            if getattr(exc, "errno", None) in (11, 35):  # EAGAIN
                return
            raise
        yield out


def shelf(rate: int) -> dict:
    """The BS.1770 pre-filter (high shelf, +4 dB above ~1.7 kHz) for ``rate``."""
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    return {"b0": vh + vb * k / q + k * k, "b1": 2 * (k * k - vh), "b2": vh - vb * k / q + k * k,
            "a0": 1 + k / q + k * k, "a1": 2 * (k * k - 1), "a2": 1 - k / q + k * k}


def highpass(rate: int) -> dict:
    """The BS.1770 RLB filter (second-order high-pass at ~38 Hz) for ``rate``.

    Its numerator is 1, -2, 1 *after* normalising by ``a0`` (as in the standard's 48 kHz table and
    FFmpeg's meter), so it passes high frequencies with a gain of ``a0``, +0.04 dB."""
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    return {"b0": a0, "b1": -2.0 * a0, "b2": a0, "a0": a0, "a1": 2 * (k * k - 1), "a2": 1 - k / q + k * k}


def channel_weights(layout_name: str, channels: int) -> np.ndarray:
    """BS.1770 channel weights: 1.0 for front channels, 1.41 for surrounds, LFE left out."""
    names = [c.name for c in av.AudioLayout(layout_name).channels] if channels > 2 else []
    out = np.ones(channels)
    for i, name in enumerate(names):
        if name in _LFE:
            out[i] = 0.0
        elif name in _SURROUND:
            out[i] = 1.41
    return out


class StepMeter:
    """K-weights frames of one format and returns the weighted mean square of each finished 100 ms step."""

    def __init__(self, precision: str = PRECISION) -> None:
        self.precision = precision
        self.graph = None
        self.rename: str | None = None  # a named layout for frames whose channels have no names
        self.step = 0
        self.weights: np.ndarray | None = None  # of the channels that count (LFE dropped)
        self.active: np.ndarray | None = None
        self.partial: np.ndarray | None = None  # per-channel sum of squares of the unfinished step
        self.filled = 0  # samples in the unfinished step
        self.steps = 0  # finished steps so far

    def _build(self, frame) -> None:
        rate = frame.sample_rate
        channels = len(frame.layout.channels)
        layout = frame.layout.name
        if any(c.name == "NONE" for c in frame.layout.channels):  # e.g. "2 channels" (WAV without a mask):
            # FFmpeg's biquad filters only the channels it can name and passes the others through
            self.rename = layout = "+".join(_NATIVE[:channels])
        g = av.filter.Graph()
        chain = [g.add("abuffer", sample_rate=str(rate), sample_fmt=frame.format.name,
                       channel_layout=layout, time_base=str(Fraction(1, rate)))]
        for coeffs in (shelf(rate), highpass(rate)):
            args = ":".join(f"{k}={v:.17g}" for k, v in coeffs.items())
            chain.append(g.add("biquad", f"{args}:precision={self.precision}"))
        chain.append(g.add("abuffersink"))
        for a, b in zip(chain, chain[1:]):
            a.link_to(b)
        g.configure()
        self.graph = g
        self.step = max(1, rate // 10)
        weights = channel_weights(frame.layout.name, channels)  # unnamed channels all weigh 1, as in FFmpeg
        self.active = np.flatnonzero(weights)
        self.weights = weights[self.active]
        self.partial = np.zeros(len(self.active))

    def add(self, frame, data: np.ndarray | None = None) -> np.ndarray:
        """Push one frame (``data``: its samples, if already at hand); the step energies it finished."""
        if self.graph is None:
            self._build(frame)
        if self.rename is not None:
            named = av.AudioFrame.from_ndarray(frame.to_ndarray() if data is None else data,
                                               format=frame.format.name, layout=self.rename)
            named.sample_rate, named.pts, named.time_base = frame.sample_rate, frame.pts, frame.time_base
            frame = named
        self.graph.push(frame)
        return self._drain()

    def finish(self) -> np.ndarray:
        """Flush the filters; a last step short of 100 ms is dropped (as FFmpeg's meter does)."""
        if self.graph is None:
            return np.zeros(0)
        self.graph.push(None)
        return self._drain()

    def _drain(self) -> np.ndarray:
        parts = [self._square(out.to_ndarray()) for out in ready_frames(self.graph)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _square(self, y: np.ndarray) -> np.ndarray:
        if len(self.active) != y.shape[0]:
            y = y[self.active]
        out = []
        start = 0
        if self.filled:  # complete the step the previous frame left open
            head = y[:, : self.step - self.filled]
            self.partial += _sum_squares(head)
            self.filled += head.shape[1]
            start = head.shape[1]
            if self.filled < self.step:
                return np.zeros(0)
            out.append(self.partial[None, :])
            self.partial, self.filled = np.zeros(len(self.active)), 0
        whole = (y.shape[1] - start) // self.step
        end = start + whole * self.step
        if whole:
            body = y[:, start:end].reshape(y.shape[0], whole, self.step)
            out.append(_sum_squares(body).T)
        if end < y.shape[1]:
            self.partial += _sum_squares(y[:, end:])
            self.filled = y.shape[1] - end
        if not out:
            return np.zeros(0)
        sums = np.concatenate(out) if len(out) > 1 else out[0]  # (steps, channels)
        self.steps += sums.shape[0]
        return sums @ self.weights / self.step


def _sum_squares(x: np.ndarray) -> np.ndarray:
    """Sum of squares over the last axis, accumulated in double precision."""
    x = x.astype(np.float64, copy=False)
    return np.einsum("...i,...i->...", x, x)
