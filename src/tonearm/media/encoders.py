"""Encoders: codec/container choices and the threaded encoding sink.

Containers (chosen for what browsers play with a plain ``<audio src>``):

* ``aac``  -> MP4 audio (``.m4a``, ``audio/mp4``), ``movflags=+faststart`` so
  the ``moov`` atom comes first and playback can start before the download
  ends.  Plays everywhere.
* ``mp3``  -> ``.mp3`` (``audio/mpeg``) with a Xing/LAME header for accurate
  duration and seeking.  Plays everywhere.
* ``ogg``  -> Ogg Vorbis ``.ogg`` (``audio/ogg``).  Chromium and Firefox only;
  Safari does not play Vorbis -- offer AAC/MP3 alongside it.  Uses libvorbis
  when the PyAV build has it, otherwise FFmpeg's experimental native encoder
  (quality-based VBR: the bitrate is only approximated, see
  :func:`codec_options`).
* ``opus`` -> WebM (``.webm``, ``audio/webm; codecs=opus``).  Opus in WebM
  plays in Chromium, Firefox and Safari (macOS 11.3+/iOS 17+), whereas Ogg
  Opus reached Safari much later, so WebM is the container that works in all
  three engines.

Cover art is embedded (when not stripped) in MP3 (ID3 APIC) and M4A
(``covr``) only; the Ogg and WebM muxers have no attached-picture support.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from .cover import EmbeddedCover
from .gapless import CMAF_OPTIONS, PacketTally, full_frames
from .specs import AudioOptions
from .workers import Sink

KEEP_TAGS = ("title", "artist", "album")


@dataclass(frozen=True)
class CodecInfo:
    codec: str
    encoder: str
    container: str
    extension: str
    mime: str
    sample_format: str
    rates: tuple[int, ...] | None = None
    codec_options: dict = field(default_factory=dict)
    container_options: dict = field(default_factory=dict)
    covers: bool = False


def _vorbis() -> CodecInfo:
    # The libvorbis wrapper is not in every PyAV wheel; FFmpeg's native
    # encoder works but is flagged experimental (and is less efficient).
    if "libvorbis" in av.codecs_available:
        return CodecInfo("ogg", "libvorbis", "ogg", ".ogg", "audio/ogg", "fltp")
    return CodecInfo(
        "ogg", "vorbis", "ogg", ".ogg", "audio/ogg", "fltp",
        codec_options={"strict": "experimental"},
    )


_AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def codec_info(codec: str) -> CodecInfo:
    if codec == "aac":
        return CodecInfo(
            "aac", "aac", "mp4", ".m4a", "audio/mp4", "fltp", _AAC_RATES,
            container_options={"movflags": "+faststart"}, covers=True,
        )
    if codec == "mp3":
        return CodecInfo("mp3", "libmp3lame", "mp3", ".mp3", "audio/mpeg", "fltp", _MP3_RATES,
                         covers=True)
    if codec == "opus":
        return CodecInfo("opus", "libopus", "webm", ".webm", "audio/webm", "flt", (48000,))
    if codec == "ogg":
        return _vorbis()
    raise ValueError(f"unknown codec {codec!r}")


def codec_options(info: CodecInfo, options: AudioOptions) -> dict:
    """Encoder options; FFmpeg's native Vorbis encoder ignores bit_rate and
    is quality-driven, so the bitrate is mapped to an approximate quality
    (q ~ kbps / 22, i.e. 128 kbps -> q 5.8 on typical music; noisy material
    comes out larger)."""
    opts = dict(info.codec_options)
    if info.encoder == "aac":
        opts["aac_coder"] = options.aac_coder_used
        opts["aac_is"] = "1" if options.aac_intensity_stereo else "0"
        opts["aac_tns"] = "1" if options.aac_tns_used else "0"
        if options.aac_cutoff:
            opts["cutoff"] = str(options.aac_cutoff)
    if info.encoder == "libmp3lame":
        opts["compression_level"] = str(options.mp3_quality)  # lame_set_quality
    if info.encoder == "libopus":
        opts["compression_level"] = str(options.opus_complexity)  # OPUS_SET_COMPLEXITY
    if info.encoder == "vorbis":
        quality = min(10.0, max(0.3, options.bitrate / 22.0))
        opts.update(flags="+qscale", global_quality=str(int(quality * 118)))
    return opts


def pick_rate(src: int, allowed: tuple[int, ...] | None, floor: int = 0, cap: int = 48000) -> int:
    """Output sample rate: the source rate when allowed, else the closest
    sensible one (never above ``cap``; 88.2 kHz maps to 44.1 kHz, 96 to 48)."""
    cands = [r for r in (allowed or (src,)) if floor <= r <= cap] or [cap]
    if allowed is None and floor <= src <= cap:
        return src
    if src in cands:
        return src
    higher = [r for r in cands if r >= src]
    if higher:
        return min(higher)
    for rate in sorted(cands, reverse=True):
        if src % rate == 0:
            return rate
    return max(cands)


def target_for(options: AudioOptions, src_rate: int, src_channels: int) -> tuple[int, str, str]:
    """``(rate, layout, sample_format)`` the encoder for ``options`` wants."""
    info = codec_info(options.codec)
    floor, cap = 0, 48000
    if options.codec == "mp3":
        # LAME only honours low/high bitrates at matching MPEG versions:
        # MPEG-1 (32-48 kHz) needs >= 32 kbps, MPEG-2/2.5 tops out at 160.
        if options.bitrate < 32:
            cap = 24000
        elif options.bitrate > 160:
            floor = 32000
    rate = pick_rate(src_rate, info.rates, floor, cap)
    layout = "stereo" if options.stereo and src_channels >= 2 else "mono"
    return rate, layout, info.sample_format


class EncoderSink(Sink):
    """Encodes frames (optionally shaped, e.g. trimmed for a preview) to a file.

    Output goes to a temporary file in ``workdir`` (default: the destination
    directory) that is renamed over ``dest`` only when everything succeeded.
    """

    def __init__(
        self,
        name: str,
        dest: Path,
        options: AudioOptions,
        target: tuple[int, str, str],
        *,
        tags: dict[str, str] | None = None,
        cover: EmbeddedCover | None = None,
        shaper=None,
        workdir: Path | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.dest = Path(dest)
        self.options = options
        self.info = codec_info(options.codec)
        self.target = target
        self.shaper = shaper
        self.samples = 0
        self.tally = PacketTally()
        workdir = Path(workdir) if workdir else self.dest.parent
        workdir.mkdir(parents=True, exist_ok=True)
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = workdir / f".{self.dest.name}.{uuid.uuid4().hex[:8]}.part"
        self._open(tags or {}, cover)

    def _open(self, tags: dict[str, str], cover: EmbeddedCover | None) -> None:
        rate, layout, fmt = self.target
        opts = {"fflags": "+bitexact", **self.info.container_options}
        if getattr(self.options, "fragmented", False) and self.info.container == "mp4":
            opts.update(CMAF_OPTIONS)
        self.container = av.open(str(self.tmp), "w", format=self.info.container,
                                 container_options=opts)
        try:
            stream = self.container.add_stream(
                self.info.encoder, rate=rate, options=codec_options(self.info, self.options)
            )
            stream.layout = layout
            stream.format = fmt
            stream.bit_rate = self.options.bitrate * 1000
            stream.time_base = Fraction(1, rate)
            self.stream = stream
            if not self.options.strip_tags:
                for key in KEEP_TAGS:
                    if tags.get(key):
                        self.container.metadata[key] = tags[key]
            if cover is not None and not self.options.strip_cover and self.info.covers:
                self._add_cover(cover)
        except Exception:
            self.abort()
            raise

    def _add_cover(self, cover: EmbeddedCover) -> None:
        pic = self.container.add_stream(cover.codec)
        pic.width, pic.height = cover.width, cover.height
        pic.pix_fmt = "rgb24" if cover.codec == "png" else "yuvj420p"
        pic.disposition = av.stream.Disposition.attached_pic
        packet = av.Packet(cover.data)
        packet.stream = pic
        packet.pts = packet.dts = 0
        self.container.mux(packet)

    def wants(self, frame) -> bool:
        if self.shaper is None:
            return True
        return frame.pts + frame.samples > self.shaper.first and frame.pts < self.shaper.last

    def consume(self, frame) -> None:
        if self.shaper is not None:
            frame = self.shaper(frame)
            if frame is None:
                return
        self.samples += frame.samples
        packets = self.stream.encode(frame)
        self.tally.add(packets)
        self.container.mux(packets)

    def finish(self) -> None:
        packets = self.stream.encode(None)
        self.tally.add(packets)
        if getattr(self.options, "fragmented", False):
            full_frames(packets, self.stream.codec_context.frame_size)
        self.container.mux(packets)
        self.container.close()
        os.replace(self.tmp, self.dest)

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:
            pass
        try:
            self.tmp.unlink()
        except OSError:
            pass

    def gapless(self) -> dict:
        """samples / sample_rate / encoder_delay / padding, from what was fed and emitted."""
        facts = self.tally.facts(self.stream.codec_context, self.samples, self.target[0], self.info.container)
        fragmented = bool(getattr(self.options, "fragmented", False)) and self.info.container == "mp4"
        # measured in Chromium (docs/player.md): MP3 and fragmented MP4 append to MSE as they are
        facts["mse"] = fragmented or self.info.container == "mp3"
        if fragmented:
            facts["container"] = "cmaf"
        return facts

    @property
    def duration(self) -> float:
        return self.samples / self.target[0]
