"""Gapless facts of an encoded file, counted from the encoder itself.

Every lossy encoder adds priming samples before the first real sample and pads the last
frame; a player that joins tracks must drop exactly those.  :class:`PacketTally` watches the
packets an encoder hands back (their count and the first one's timestamp) while the sink
counts the samples it fed, so nothing here is guessed from a table of codec constants:

* ``encoder_delay`` -- samples to drop from the start of the decoded stream: minus the first
  packet's pts (FFmpeg stamps priming with negative timestamps), else the codec context's
  ``initial_padding``.  For MP3 this is FFmpeg's figure, LAME's delay plus the 529-sample
  decoder delay (what a decoder that ignores the LAME tag must skip).
* ``padding`` -- samples after the last real one: packets x frame size - delay - samples.
* ``samples`` / ``sample_rate`` -- the real audio, at the encoded rate.

The files carry the same facts in their standard places (FFmpeg's muxers write them): the
LAME/Xing info tag (``mp3``), an edit list (``mp4``/CMAF, see :data:`CMAF_OPTIONS`), the
Opus pre-skip (``webm``).  ``signal`` names which one, so a player knows whether its media
stack will already have trimmed the priming (see ``docs/player.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

#: Container (muxer) options for a fragmented MP4 (CMAF) AAC rung that Media Source Extensions
#: can append as is: the moov is written once the first fragment is known (``delay_moov``), so
#: it carries an edit list that hides the priming; fragments of about two seconds.
CMAF_OPTIONS = {"movflags": "+delay_moov+default_base_moof+cmaf", "frag_duration": "2000000",
                "use_editlist": "1"}

SIGNALS = {"mp3": "lame", "mp4": "elst", "webm": "preskip", "ogg": "granule"}
#: The MP3 decoder's own delay (the synthesis filterbank), part of ``encoder_delay``: FFmpeg's
#: mp3 muxer writes ``encoder_delay - 529`` as the LAME tag's delay, and Chromium's MSE parser
#: discards these 529 samples itself (measured, docs/player.md).
MP3_DECODER_DELAY = 529


def full_frames(packets, frame_size: int) -> None:
    """Give the last packet its whole frame duration (the encoder shortens it to the real end).

    For the CMAF rung: Chromium takes a sample's duration from the fragment and decodes the
    whole frame anyway, so a shortened last sample would play its padding past appendWindowEnd;
    with the full duration the frame crosses the window end and the browser trims it there."""
    for p in packets:
        if frame_size and p.duration and p.duration < frame_size:
            p.duration = frame_size


@dataclass
class PacketTally:
    """Counts what one encoder emits (call :meth:`add` with every packet list it returns)."""

    packets: int = 0
    first_pts: int | None = None
    first_tb: Fraction | None = None
    durations: int = 0

    def add(self, packets) -> None:
        for p in packets:
            if self.first_pts is None and p.pts is not None:
                self.first_pts, self.first_tb = int(p.pts), p.time_base
            self.packets += 1
            self.durations += int(p.duration or 0)

    def facts(self, codec_context, samples: int, sample_rate: int, container: str) -> dict:
        """The published numbers: ``samples``, ``sample_rate``, ``encoder_delay``, ``padding``."""
        exact = self.first_tb == Fraction(1, sample_rate)  # WebM restamps in ms: too coarse
        if exact and self.first_pts is not None and self.first_pts < 0:
            delay = -self.first_pts
        else:
            delay = int(codec_context.initial_padding or 0)
        frame = int(codec_context.frame_size or 0)
        if frame and self.packets:
            total = self.packets * frame
        else:  # variable frame sizes (Vorbis): the packets' own durations
            total = max(self.durations, delay + samples)
        return {
            "samples": samples,
            "sample_rate": sample_rate,
            "encoder_delay": delay,
            "padding": max(0, total - delay - samples),
            "gapless_signal": SIGNALS.get(container),
            **({"decoder_delay": MP3_DECODER_DELAY} if container == "mp3" else {}),
        }
