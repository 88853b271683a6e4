"""EBU R128 / ITU-R BS.1770 loudness via FFmpeg's ``ebur128`` filter.

The filter runs in-process through :class:`av.filter.Graph`; with
``metadata=1`` every output frame carries running values
(``lavfi.r128.I`` integrated loudness, ``lavfi.r128.LRA`` loudness range).  The values are
cumulative, so only the last frame's metadata is read.

The true peak is not the filter's: ``peak=true`` oversamples the whole signal to
192 kHz, which cost about four fifths of the meter.  :mod:`.truepeak` runs the
same resampler only where the waveform could reach a new maximum and reads
exactly the value the filter would (without its three-decimal rounding).  The
sample peak is tracked as well and the larger of the two is reported.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
import av.error
import av.filter
import numpy as np

from .specs import Loudness
from .truepeak import TruePeakMeter
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
        self.last = None
        self.peak_meter: TruePeakMeter | None = None

    def _build(self, frame) -> None:
        graph = av.filter.Graph()
        src = graph.add(
            "abuffer",
            sample_rate=str(frame.sample_rate),
            sample_fmt=frame.format.name,
            channel_layout=frame.layout.name,
            time_base=str(Fraction(1, frame.sample_rate)),
        )
        meter = graph.add("ebur128", metadata="1")  # true peak: TruePeakMeter
        sink = graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        self.graph = graph
        self.peak_meter = TruePeakMeter(frame.sample_rate, frame.layout.name)

    def consume(self, frame) -> None:
        self.consume_batch([frame])

    def consume_batch(self, frames: list) -> None:
        """Join the batch into one frame: far fewer trips through the graph. A batch is usually
        one of the pipeline's 32768-sample frames, which goes in as it is."""
        first = frames[0]
        if self.graph is None:
            self._build(first)
        if len(frames) == 1:
            frame, data = first, first.to_ndarray()
        else:
            data = np.concatenate([f.to_ndarray() for f in frames], axis=1)
            frame = av.AudioFrame.from_ndarray(data, format=first.format.name, layout=first.layout.name)
            frame.sample_rate = first.sample_rate
            frame.pts = first.pts
            frame.time_base = first.time_base
        if data.size:
            self.sample_peak = max(self.sample_peak, float(max(data.max(), -data.min())))
            self.peak_meter.add(data)
        self.graph.push(frame)
        self._drain()

    def _drain(self) -> None:
        for out in ready_frames(self.graph):
            if out.metadata:  # a short tail frame (< 100 ms) carries none: keep the previous
                self.last = out  # the running values are cumulative

    def _read_last(self) -> None:
        if self.last is not None:
            meta = dict(self.last.metadata or {})
            if meta:
                self.meta = meta
            self.last = None

    def finish(self) -> None:
        if self.graph is not None:
            self.graph.push(None)
            self._drain()
            self._read_last()
            self.peak_meter.finish()
            self.true_peak = self.peak_meter.peak

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
