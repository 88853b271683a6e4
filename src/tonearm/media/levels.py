"""Amplitude analysis: the player's ``levels`` summary and peaks.js peaks.

One pass reduces the decoded audio to fixed-size blocks holding the minimum
and maximum sample (across all channels) and the mean square.  At the end
the blocks are regrouped into whatever resolution each output needs, so
neither output depends on knowing the exact duration in advance and memory
stays bounded (a few MB for a two-hour file).
"""

from __future__ import annotations

import math

import numpy as np

from .specs import Levels, Peaks
from .workers import Sink

BATCH_SAMPLES = 1 << 16


def block_size(spp: int | None, expected_samples: int, num_levels: int) -> int:
    """Largest power of two that divides ``spp`` and still gives each level
    bucket at least ~8 blocks (so short files get fine-grained levels)."""
    want = max(16, expected_samples // max(1, num_levels * 8))
    size = 1
    while size * 2 <= want and size * 2 <= 4096 and (spp is None or spp % (size * 2) == 0):
        size *= 2
    return size


class AnalysisSink(Sink):
    """Collects per-block min/max/mean-square of float planar frames."""

    name = "analysis"

    def __init__(self, target, levels: Levels | None, peaks: Peaks | None,
                 expected_seconds: float) -> None:
        super().__init__()
        self.target = target  # (source rate, source layout, "fltp")
        self.levels_spec = levels
        self.peaks_spec = peaks
        rate = target[0]
        self.block = block_size(
            peaks.samples_per_pixel if peaks else None,
            int(expected_seconds * rate),
            levels.num_samples if levels else 320,
        )
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._mins: list[np.ndarray] = []
        self._maxs: list[np.ndarray] = []
        self._sqs: list[np.ndarray] = []
        self.samples = 0

    def consume(self, frame) -> None:
        data = frame.to_ndarray()  # (channels, n) float32
        self._pending.append(data)
        self._pending_n += data.shape[1]
        if self._pending_n >= BATCH_SAMPLES:
            self._reduce(final=False)

    def finish(self) -> None:
        self._reduce(final=True)

    def _reduce(self, final: bool) -> None:
        if not self._pending:
            return
        data = np.concatenate(self._pending, axis=1) if len(self._pending) > 1 else self._pending[0]
        n = data.shape[1]
        usable = n if final else n - n % self.block
        rest = data[:, usable:]
        self._pending = [rest] if rest.shape[1] else []
        self._pending_n = rest.shape[1]
        if usable == 0:
            return
        data = data[:, :usable]
        self.samples += usable
        full = usable - usable % self.block
        parts = [data[:, :full]] if full else []
        if usable > full:  # last partial block: pad with its own edge values
            tail = data[:, full:]
            pad = np.repeat(tail[:, -1:], self.block - tail.shape[1], axis=1)
            parts.append(np.concatenate([tail, pad], axis=1))
        chunk = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        blocks = chunk.reshape(chunk.shape[0], -1, self.block)
        self._mins.append(blocks.min(axis=(0, 2)))
        self._maxs.append(blocks.max(axis=(0, 2)))
        sq = np.square(blocks, dtype=np.float64).mean(axis=(0, 2))
        if usable > full:  # do not let the padding weigh on the mean square
            tail = data[:, full:].astype(np.float64)
            sq[-1] = float(np.mean(tail * tail))
        self._sqs.append(sq)

    def _arrays(self):
        if not self._mins:
            empty = np.zeros(0, np.float32)
            return empty, empty, np.zeros(0)
        return (np.concatenate(self._mins), np.concatenate(self._maxs),
                np.concatenate(self._sqs))

    def levels(self) -> dict | None:
        if self.levels_spec is None:
            return None
        mins, maxs, sqs = self._arrays()
        return compute_levels(mins, maxs, sqs, self.levels_spec, self.block, self.samples)

    def peaks(self) -> dict | None:
        if self.peaks_spec is None:
            return None
        mins, maxs, _ = self._arrays()
        return compute_peaks(mins, maxs, self.peaks_spec, self.block, self.target[0])


def compute_levels(mins, maxs, sqs, spec: Levels, block: int, samples: int) -> dict:
    """Bucket the blocks into ``spec.num_samples`` values in 0..1.

    The list is normalised so the loudest bucket reads 1.0 (a silent track
    stays all zeros); ``scale`` is the factor applied, so the absolute
    amplitude of a bucket is ``level / scale``.  ``avg``/``max``/``min`` are
    statistics of the returned list; ``resample`` is how many source samples
    (per channel) each level summarises.
    """
    n = spec.num_samples
    nb = len(mins)
    values = np.zeros(n)
    if nb:
        # bucket i covers blocks [edges[i], edges[i+1]); never empty
        edges = np.floor(np.arange(n + 1) * nb / n).astype(np.int64)
        starts = np.minimum(edges[:-1], nb - 1)
        ends = np.maximum(edges[1:], starts + 1)
        if spec.metric == "peak":
            amp = np.maximum(np.abs(mins), np.abs(maxs)).astype(np.float64)
            values = np.array([amp[a:b].max() for a, b in zip(starts, ends)])
        else:
            values = np.sqrt([sqs[a:b].mean() for a, b in zip(starts, ends)])
    values = np.clip(np.nan_to_num(values), 0.0, None)
    top = float(values.max()) if n else 0.0
    scale = 1.0 / top if top > 1e-9 else 1.0
    values = np.clip(values * scale, 0.0, 1.0)
    return {
        "levels": [round(float(v), 4) for v in values],
        "num_samples": n,
        "metric": spec.metric,
        "avg": round(float(values.mean()), 4) if n else 0.0,
        "max": round(float(values.max()), 4) if n else 0.0,
        "min": round(float(values.min()), 4) if n else 0.0,
        "resample": round(samples / n, 3) if n else 0.0,
        "scale": round(scale, 6),
    }


def compute_peaks(mins, maxs, spec: Peaks, block: int, rate: int) -> dict:
    """audiowaveform JSON v2 (8-bit, one channel) from the block extremes."""
    per = max(1, spec.samples_per_pixel // block)
    nb = len(mins)
    per *= max(1, math.ceil(nb / (per * spec.max_length)))
    length = math.ceil(nb / per) if nb else 0
    pad = length * per - nb
    if pad:
        mins = np.concatenate([mins, np.repeat(mins[-1:], pad)])
        maxs = np.concatenate([maxs, np.repeat(maxs[-1:], pad)])
    lo = mins.reshape(-1, per).min(axis=1) if length else mins
    hi = maxs.reshape(-1, per).max(axis=1) if length else maxs
    lo = np.clip(np.floor(lo * 128.0), -128, 127).astype(np.int64)
    hi = np.clip(np.ceil(hi * 128.0), -128, 127).astype(np.int64)
    data = np.empty(2 * length, dtype=np.int64)
    data[0::2], data[1::2] = lo, hi
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": int(rate),
        "samples_per_pixel": int(per * block),
        "bits": 8,
        "length": int(length),
        "data": data.tolist(),
    }
