"""Album loudness from per-track block statistics (ITU-R BS.1770-4 / EBU R128 gating).

An album's integrated loudness is *not* the mean of its tracks' values: BS.1770 gates the
400 ms blocks of the whole programme (absolute gate -70 LUFS, then a relative gate 10 LU
below the mean of what passed).  To compute it without decoding an album again, each track
keeps its gating blocks as a histogram of block loudness (0.1 LU bins from -70 LUFS, the
approach libebur128 takes): a few hundred small integers per track, which add up across
tracks, so :func:`integrated` of the summed histograms is the album's loudness.

The blocks come from the loudness meter's one K-weighting pass (:mod:`.kweighting`,
:class:`.loudness.LoudnessSink`): the weighted mean squares of 100 ms steps, four of which make
one 400 ms block.
"""

from __future__ import annotations

import numpy as np

FLOOR = -70.0  # absolute gate (LUFS); the histogram starts here
STEP = 0.1  # LU per bin
BINS = 800  # -70 .. +10 LUFS
RELATIVE_GATE = 10.0


def lufs(energy):
    """BS.1770 loudness (LUFS) of a weighted mean-square energy (a number or an array; 0 is -inf)."""
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(energy)


def add(counts: np.ndarray, energy: np.ndarray) -> None:
    """Count blocks (mean-square energies) above the absolute gate into their bins."""
    loud = lufs(energy)
    loud = loud[loud > FLOOR]
    idx = np.clip(((loud - FLOOR) / STEP).astype(np.int64), 0, BINS - 1)
    counts += np.bincount(idx, minlength=BINS)


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
    gate = float(lufs(np.dot(counts, energy) / counts.sum())) - RELATIVE_GATE
    keep = np.where(centre > gate, counts, 0)
    if not keep.any():
        return None
    return round(float(lufs(np.dot(keep, energy) / keep.sum())), 2)
