"""Threaded consumers of decoded frames.

The decode loop hands every frame to each sink's bounded queue; each sink
consumes on its own thread.  FFmpeg releases the GIL while encoding and
filtering, so encoders genuinely run in parallel with decoding and with each
other.  The bounded queue keeps memory flat: a slow sink applies
back-pressure to the decoder instead of letting frames pile up.

A sink that fails records its error, stops processing and keeps draining its
queue so the decoder never blocks on it; the other sinks are unaffected.
"""

from __future__ import annotations

import queue
import threading

from .source import short_error

_END = object()


class Sink:
    """Base class: override :meth:`consume` and :meth:`finish`.

    ``target`` is the ``(rate, layout, sample_format)`` a sink wants its
    frames in; the pipeline resamples once per distinct target.
    """

    target: tuple[int, str, str]
    name: str = "sink"

    def __init__(self, queue_size: int = 8) -> None:
        self.error: str | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None

    # -- called on the worker thread --------------------------------------
    def consume(self, frame) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def consume_batch(self, frames: list) -> None:
        for frame in frames:
            self.consume(frame)

    def finish(self) -> None:
        """Flush and close; called once after the last frame."""

    def abort(self) -> None:
        """Release resources after a failure (best effort)."""

    # -- called by the pipeline -------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"media-{self.name}", daemon=True)
        self._thread.start()

    def wants(self, frame) -> bool:
        """Cheap pre-filter run on the decode thread (e.g. preview window)."""
        return True

    def put(self, frames: list) -> None:
        """Queue a batch of frames (batching keeps thread hand-offs rare)."""
        self._queue.put(frames)

    def close(self) -> None:
        """Signal end of stream and wait for the worker to finish."""
        self._queue.put(_END)
        if self._thread is not None:
            self._thread.join()

    def fail(self, reason: str) -> None:
        if self.error is None:
            self.error = reason

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END:
                break
            if self.error is not None:
                continue  # keep draining so the producer never blocks
            try:
                self.consume_batch(item)
            except Exception as exc:  # one bad sink must not sink the rest
                self.fail(short_error(exc))
        if self.error is None:
            try:
                self.finish()
            except Exception as exc:
                self.fail(short_error(exc))
        if self.error is not None:
            try:
                self.abort()
            except Exception:
                pass
