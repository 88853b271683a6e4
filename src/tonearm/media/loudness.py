"""EBU R128 / ITU-R BS.1770 loudness via FFmpeg's ``ebur128`` filter.

The filter runs in-process through :class:`av.filter.Graph`; with
``metadata=1`` every output frame carries running values
(``lavfi.r128.I`` integrated loudness, ``lavfi.r128.LRA`` loudness range,
``lavfi.r128.true_peak`` linear true peak).  The values on the last frame are
the whole-track figures; the true peak is the maximum seen on any frame.

The filter prints true peaks with three decimals (linear), which is coarse
for very quiet material, so the exact sample peak -- a lower bound of the
true peak -- is tracked as well and the larger of the two is reported.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
import av.error
import av.filter
import numpy as np

from .specs import Loudness
from .workers import Sink

#: ebur128's absolute gate; anything at or below reads as silence.
SILENCE_LUFS = -70.0


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


class LoudnessSink(Sink):
    name = "loudness"

    def __init__(self, target, spec: Loudness) -> None:
        super().__init__()
        self.target = target  # (source rate, source layout, "fltp")
        self.spec = spec
        self.graph = None
        self.meta: dict[str, str] = {}
        self.true_peak = 0.0
        self.sample_peak = 0.0

    def _build(self, frame) -> None:
        graph = av.filter.Graph()
        src = graph.add(
            "abuffer",
            sample_rate=str(frame.sample_rate),
            sample_fmt=frame.format.name,
            channel_layout=frame.layout.name,
            time_base=str(Fraction(1, frame.sample_rate)),
        )
        meter = graph.add("ebur128", metadata="1", peak="true")
        sink = graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        self.graph = graph

    def consume(self, frame) -> None:
        if self.graph is None:
            self._build(frame)
        peak = float(np.max(np.abs(frame.to_ndarray()))) if frame.samples else 0.0
        self.sample_peak = max(self.sample_peak, peak)
        self.graph.push(frame)
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                out = self.graph.pull()
            except (av.error.BlockingIOError, EOFError):
                return
            except av.error.FFmpegError as exc:
                if getattr(exc, "errno", None) in (11, 35):  # EAGAIN
                    return
                raise
            meta = out.metadata
            if meta:
                self.meta = dict(meta)
                tp = meta.get("lavfi.r128.true_peak")
                if tp is not None:
                    self.true_peak = max(self.true_peak, float(tp))

    def finish(self) -> None:
        if self.graph is not None:
            self.graph.push(None)
            self._drain()

    def result(self) -> dict:
        return loudness_result(self.meta, self.true_peak, self.sample_peak, self.spec)


def loudness_result(meta: dict, true_peak: float, sample_peak: float, spec: Loudness) -> dict:
    integrated = float(meta["lavfi.r128.I"]) if "lavfi.r128.I" in meta else None
    if integrated is not None and (not math.isfinite(integrated) or integrated <= SILENCE_LUFS):
        integrated = None
    lra = float(meta["lavfi.r128.LRA"]) if "lavfi.r128.LRA" in meta else None
    tp_db = _db(max(true_peak, sample_peak))
    return {
        "integrated_lufs": round(integrated, 2) if integrated is not None else None,
        "true_peak_dbtp": tp_db,
        "sample_peak_dbfs": _db(sample_peak),
        "lra_lu": round(lra, 2) if lra is not None and math.isfinite(lra) else None,
        "target_lufs": spec.target_lufs,
        "max_true_peak_dbtp": spec.max_true_peak,
        "gain_db": normalisation_gain(integrated, tp_db, spec.target_lufs, spec.max_true_peak),
    }
