"""Album loudness from per-track block statistics (ITU-R BS.1770-4 / EBU R128 gating).

An album's integrated loudness is *not* the mean of its tracks' values: BS.1770 gates the
400 ms blocks of the whole programme (absolute gate -70 LUFS, then a relative gate 10 LU
below the mean of what passed).  To compute it without decoding an album again, each track
keeps its gating blocks as a histogram of block loudness (0.1 LU bins from -70 LUFS, the
approach libebur128 takes): a few hundred small integers per track, which add up across
tracks, so :func:`integrated` of the summed histograms is the album's loudness.

:class:`BlockSink` is the meter: K-weighting (the two BS.1770 biquads, designed for the
source rate and run by FFmpeg's ``biquad`` filter in double precision), then per-channel
mean squares over 100 ms steps, four of which make one 400 ms block.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
import av.filter
import numpy as np

from .loudness import ready_frames
from .workers import Sink

FLOOR = -70.0  # absolute gate (LUFS); the histogram starts here
STEP = 0.1  # LU per bin
BINS = 800  # -70 .. +10 LUFS
RELATIVE_GATE = 10.0


def _shelf(rate: int) -> dict:
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    return {"b0": vh + vb * k / q + k * k, "b1": 2 * (k * k - vh), "b2": vh - vb * k / q + k * k,
            "a0": 1 + k / q + k * k, "a1": 2 * (k * k - 1), "a2": 1 - k / q + k * k}


def _highpass(rate: int) -> dict:
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    return {"b0": 1.0, "b1": -2.0, "b2": 1.0, "a0": 1 + k / q + k * k, "a1": 2 * (k * k - 1), "a2": 1 - k / q + k * k}


def _weights(layout_name: str, channels: int) -> np.ndarray:
    """BS.1770 channel weights: 1.0 for front channels, 1.41 for surrounds, LFE left out."""
    names = [c.name for c in av.AudioLayout(layout_name).channels] if channels > 2 else []
    out = np.ones(channels)
    for i, name in enumerate(names):
        if name == "LFE":
            out[i] = 0.0
        elif name in ("SL", "SR", "BL", "BR"):
            out[i] = 1.41
    return out


class BlockSink(Sink):
    """Measures the 400 ms gating blocks of a track into a loudness histogram."""

    name = "loudness-blocks"

    def __init__(self, target) -> None:
        super().__init__()
        self.target = target  # (source rate, source layout, "fltp")
        self.graph = None
        self.step = max(1, round(target[0] / 10))
        self.carry: np.ndarray | None = None  # K-weighted samples short of a whole step
        self.steps: list[float] = []  # weighted mean square per 100 ms step
        self.counts = np.zeros(BINS, dtype=np.int64)
        self.weights: np.ndarray | None = None

    def _build(self, frame) -> None:
        g = av.filter.Graph()
        src = g.add("abuffer", sample_rate=str(frame.sample_rate), sample_fmt=frame.format.name,
                    channel_layout=frame.layout.name, time_base=str(Fraction(1, frame.sample_rate)))
        chain = [src]
        for coeffs in (_shelf(frame.sample_rate), _highpass(frame.sample_rate)):
            args = ":".join(f"{k}={v:.17g}" for k, v in coeffs.items())
            chain.append(g.add("biquad", args + ":precision=f64"))
        fmt = g.add("aformat", sample_fmts="dblp")
        chain += [fmt, g.add("abuffersink")]
        for a, b in zip(chain, chain[1:]):
            a.link_to(b)
        g.configure()
        self.graph = g
        self.weights = _weights(frame.layout.name, len(frame.layout.channels))

    def consume(self, frame) -> None:
        if self.graph is None:
            self._build(frame)
        self.graph.push(frame)
        self._drain()

    def _drain(self) -> None:
        for out in ready_frames(self.graph):
            self._square(out.to_ndarray())

    def _square(self, data: np.ndarray) -> None:
        if self.carry is not None:
            data = np.concatenate([self.carry, data], axis=1)
        whole = data.shape[1] // self.step * self.step
        if whole:
            parts = data[:, :whole].reshape(data.shape[0], -1, self.step)
            self.steps.extend((np.mean(parts * parts, axis=2) * self.weights[:, None]).sum(axis=0).tolist())
        self.carry = data[:, whole:]
        if len(self.steps) > 4096:
            self._blocks(keep=3)

    def _blocks(self, keep: int) -> None:
        """Fold finished 400 ms blocks (four steps, hop one) into the histogram."""
        s = np.asarray(self.steps)
        if len(s) >= 4:
            energy = (s[:-3] + s[1:-2] + s[2:-1] + s[3:]) / 4
            add(self.counts, energy)
        self.steps = self.steps[-keep:] if keep else []

    def finish(self) -> None:
        if self.graph is not None:
            self.graph.push(None)
            self._drain()
        self._blocks(keep=0)

    def result(self) -> dict:
        return pack(self.counts)


def add(counts: np.ndarray, energy: np.ndarray) -> None:
    """Count blocks (mean-square energies) above the absolute gate into their bins."""
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(energy)
    loud = loud[loud > FLOOR]
    idx = np.clip(((loud - FLOOR) / STEP).astype(np.int64), 0, BINS - 1)
    np.add.at(counts, idx, 1)


def pack(counts: np.ndarray) -> dict:
    """Compact form stored per track: the first non-empty bin and the dense run of counts."""
    nz = np.nonzero(counts)[0]
    if not len(nz):
        return {"floor": FLOOR, "step": STEP, "first": 0, "counts": []}
    return {"floor": FLOOR, "step": STEP, "first": int(nz[0]), "counts": counts[nz[0]: nz[-1] + 1].tolist()}


def unpack(hist: dict) -> np.ndarray:
    counts = np.zeros(BINS, dtype=np.int64)
    if hist.get("floor") != FLOOR or hist.get("step") != STEP:
        raise ValueError("histogram of another layout")
    first, run = int(hist["first"]), hist.get("counts") or []
    counts[first: first + len(run)] = run
    return counts


def integrated(hists: list[dict]) -> float | None:
    """BS.1770 integrated loudness of the programme made of these tracks (None when silent)."""
    counts = sum((unpack(h) for h in hists), np.zeros(BINS, dtype=np.int64))
    if not counts.any():
        return None
    centre = FLOOR + (np.arange(BINS) + 0.5) * STEP
    energy = 10 ** ((centre + 0.691) / 10)
    gate = -0.691 + 10 * math.log10(float(np.dot(counts, energy) / counts.sum())) - RELATIVE_GATE
    keep = np.where(centre > gate, counts, 0)
    if not keep.any():
        return None
    return round(-0.691 + 10 * math.log10(float(np.dot(keep, energy) / keep.sum())), 2)
