"""The exception types raised by :mod:`tonearm.media`."""

from __future__ import annotations


class MediaError(Exception):
    """A media file could not be processed.

    ``reason`` is a short human-readable explanation suitable for a track
    file's ``status_text``.  ``init`` tells the two failure classes apart:

    * ``False`` (this class): the source opened fine but a later step failed
      (an encoder, a muxer, the disk...).  Retrying may help.
    * ``True`` (:class:`MediaInitError`): the source is unusable as audio --
      not audio, empty, truncated beyond use, no audio stream, absurd
      headers, undecodable.  The caller should mark the track ``init_error``.
    """

    init: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class MediaInitError(MediaError):
    """The source cannot be opened/probed as audio (see :class:`MediaError`)."""

    init = True
