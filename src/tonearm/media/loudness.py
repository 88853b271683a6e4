"""EBU R128 / ITU-R BS.1770 loudness: integrated loudness, loudness range, true peak.

One K-weighting pass (:class:`.kweighting.StepMeter`) yields the weighted mean square of every
100 ms step; everything else is arithmetic on those:

* **integrated loudness I** (BS.1770-4): 400 ms blocks (four steps, hop one), absolute gate -70
  LUFS, relative gate 10 LU below the mean of what passed;
* **loudness range LRA** (EBU Tech 3342): 3 s short-term windows (thirty steps, hop one),
  absolute gate -70 LUFS, relative gate 20 LU below their mean, the spread from the 10th to the
  95th percentile;
* the album histogram of the 400 ms blocks (:mod:`.album`).

Blocks and windows go into histograms of 0.01 LU from -70 LUFS, as in FFmpeg's ``ebur128`` (8001
bins each, so memory is the same for a 2-hour file as for a song). The bins keep their count and the
exact sum of their energies: I is the mean of the true block energies, the relative gates fall on
the same 0.01 LU bins as FFmpeg's, and LRA reads the percentiles at bin edges as FFmpeg does. One
deliberate difference: for 1 to 4 short-term windows (a file of 3.0-3.4 s) FFmpeg's 10th
percentile has rank 0 and lands on the relative gate, so a steady tone reads LRA 20 LU; here the
rank is at least 1 (the tone reads 0).

The true peak is :mod:`.truepeak` (what ``ebur128=peak=true`` would read); the sample peak is
tracked as well and the larger of the two is reported.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import album
from .kweighting import StepMeter
from .specs import Loudness
from .truepeak import TruePeakMeter
from .workers import Sink

#: The absolute gate; anything at or below reads as silence.
SILENCE_LUFS = -70.0
#: Histogram bins per LU and their number (-70 .. +10 LUFS, the last bin takes anything louder).
GRAIN = 100
HIST = 80 * GRAIN + 1
BLOCK_STEPS = 4  # 400 ms
SHORT_STEPS = 30  # 3 s
INTEGRATED_GATE = -10.0
RANGE_GATE = -20.0
RANGE_LOW, RANGE_HIGH = 10, 95  # percentiles
#: Steps gathered before they are gated (a minute: few numpy calls, bounded memory).
PENDING_STEPS = 600


def _db(linear: float) -> float | None:
    return round(20.0 * math.log10(linear), 2) if linear > 0 else None


def normalisation_gain(integrated: float | None, true_peak_db: float | None,
                       target: float, ceiling: float) -> float:
    """Gain (dB) that moves ``integrated`` to ``target``, reduced if needed so
    that ``true_peak + gain <= ceiling``.  Silence gets 0."""
    if integrated is None or integrated <= SILENCE_LUFS:
        return 0.0
    gain = target - integrated
    if true_peak_db is not None:
        gain = min(gain, ceiling - true_peak_db)
    return round(gain, 2)


class Gated:
    """Window powers above the absolute gate, binned by loudness (count and energy per bin)."""

    def __init__(self) -> None:
        self.count = np.zeros(HIST, dtype=np.int64)
        self.energy = np.zeros(HIST)

    def add(self, power: np.ndarray) -> None:
        loud = album.lufs(power)
        keep = loud >= SILENCE_LUFS
        if not keep.any():
            return
        idx = np.minimum(((loud[keep] - SILENCE_LUFS) * GRAIN).astype(np.int64), HIST - 1)
        self.count += np.bincount(idx, minlength=HIST)
        self.energy += np.bincount(idx, weights=power[keep], minlength=HIST)

    def gate(self, relative: float) -> int | None:
        """First bin at or above the relative gate (None: nothing passed the absolute one)."""
        n = int(self.count.sum())
        if not n:
            return None
        level = float(album.lufs(self.energy.sum() / n)) + relative
        return min(max(int((level - SILENCE_LUFS) * GRAIN), 0), HIST - 1)


def integrated(blocks: Gated) -> float | None:
    """BS.1770 integrated loudness of the gated 400 ms blocks (None when nothing passes)."""
    first = blocks.gate(INTEGRATED_GATE)
    if first is None:
        return None
    n = int(blocks.count[first:].sum())
    return float(album.lufs(blocks.energy[first:].sum() / n)) if n else None


def loudness_range(windows: Gated) -> float:
    """EBU Tech 3342 loudness range of the gated short-term windows (0 when there are none)."""
    first = windows.gate(RANGE_GATE)
    if first is None:
        return 0.0
    cum = np.cumsum(windows.count[first:])
    n = int(cum[-1])
    low, high = (np.searchsorted(cum, max(1, int(p * n / 100 + 0.5))) for p in (RANGE_LOW, RANGE_HIGH))
    return float(high - low) / GRAIN


class LoudnessSink(Sink):
    name = "loudness"

    def __init__(self, target, spec: Loudness) -> None:
        super().__init__()
        self.target = target  # (source rate, source layout, "fltp")
        self.spec = spec
        self.meter = StepMeter()
        self.pending: list[np.ndarray] = []  # step energies not gated yet (up to a minute's)
        self.pending_steps = 0
        self.recent = np.zeros(0)  # the last SHORT_STEPS - 1 step energies already gated
        self.steps = 0
        self.blocks = Gated()  # 400 ms: integrated loudness
        self.windows = Gated()  # 3 s: loudness range
        self.album = np.zeros(album.BINS, dtype=np.int64)
        self.true_peak = 0.0
        self.sample_peak = 0.0
        self.peak_meter: TruePeakMeter | None = None

    def consume(self, frame) -> None:
        if self.peak_meter is None:
            self.peak_meter = TruePeakMeter(frame.sample_rate, frame.layout.name)
        data = frame.to_ndarray()
        if data.size:
            self.sample_peak = max(self.sample_peak, float(max(data.max(), -data.min())))
            self.peak_meter.add(data)
        self._steps(self.meter.add(frame, data))

    def _steps(self, energies: np.ndarray) -> None:
        if len(energies):
            self.pending.append(energies)
            self.steps += len(energies)
            self.pending_steps += len(energies)
            if self.pending_steps >= PENDING_STEPS:
                self._gate()

    def _gate(self) -> None:
        """Every 400 ms block and 3 s window that ends at a pending step, into the histograms."""
        if not self.pending:
            return
        seen = len(self.recent)
        s = np.concatenate([self.recent, *self.pending])
        for steps, gated in ((BLOCK_STEPS, self.blocks), (SHORT_STEPS, self.windows)):
            first = max(steps - 1, seen)  # index of the first window's last step
            if len(s) > first:
                power = sliding_window_view(s[first - steps + 1:], steps).mean(axis=1)
                gated.add(power)
                if steps == BLOCK_STEPS:
                    album.add(self.album, power)
        self.pending, self.pending_steps = [], 0
        self.recent = s[-(SHORT_STEPS - 1):]

    def finish(self) -> None:
        self._steps(self.meter.finish())
        self._gate()
        if self.peak_meter is not None:
            self.peak_meter.finish()
            self.true_peak = self.peak_meter.peak

    def result(self) -> dict:
        return loudness_result(self.blocks, self.windows, self.steps, self.true_peak, self.sample_peak,
                               self.spec)

    def album_blocks(self) -> dict:
        """The 400 ms blocks as the album-loudness histogram (:func:`.album.pack`)."""
        return album.pack(self.album)


def loudness_result(blocks: Gated, windows: Gated, steps: int, true_peak: float, sample_peak: float,
                    spec: Loudness) -> dict:
    """The loudness report. Less than one 100 ms step of audio has no LRA (None); otherwise LRA is 0
    until there are 3 s of audio, and I is None until a 400 ms block passes the absolute gate."""
    value = integrated(blocks)
    if value is not None and (not math.isfinite(value) or value <= SILENCE_LUFS):
        value = None
    lra = loudness_range(windows) if steps else None
    tp_db = _db(max(true_peak, sample_peak))
    return {
        "integrated_lufs": round(value, 2) if value is not None else None,
        "true_peak_dbtp": tp_db,
        "sample_peak_dbfs": _db(sample_peak),
        "lra_lu": round(lra, 2) if lra is not None and math.isfinite(lra) else None,
        "target_lufs": spec.target_lufs,
        "max_true_peak_dbtp": spec.max_true_peak,
        "gain_db": normalisation_gain(value, tp_db, spec.target_lufs, spec.max_true_peak),
    }
