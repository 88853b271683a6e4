"""Code-generated audio and image fixtures for the test-suite.

Everything here is synthesised on the fly (no binary fixtures in the repo):

* ``signal()`` builds a float32 ``(channels, samples)`` array (sine, noise,
  silence, or a sine whose second half is louder).
* ``write_audio()`` encodes such a signal into one of the containers listed in
  ``FORMATS`` with PyAV, optionally with title/artist/album tags and an
  embedded cover picture (an ``attached_pic`` stream, which FFmpeg's MP3, MP4
  and FLAC muxers turn into ID3 APIC, ``covr`` and a PICTURE block).
* ``write_video()`` writes a small MP4 with or without an audio track.
* ``random_file()``, ``truncated_copy()``, ``empty_file()`` make broken inputs.
* image helpers write two-colour, CMYK, 16-bit, animated, EXIF-rotated and
  decompression-bomb images.
"""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

# name -> (container format, encoder, sample format, default file suffix)
FORMATS: dict[str, tuple[str, str, str, str]] = {
    "mp3": ("mp3", "libmp3lame", "fltp", ".mp3"),
    "m4a": ("mp4", "aac", "fltp", ".m4a"),
    "aac": ("adts", "aac", "fltp", ".aac"),
    "flac": ("flac", "flac", "s16", ".flac"),
    "wav": ("wav", "pcm_s16le", "s16", ".wav"),
    "wav24": ("wav", "pcm_s24le", "s32", ".wav"),
    "wavf32": ("wav", "pcm_f32le", "flt", ".wav"),
    "ogg": ("ogg", "vorbis", "fltp", ".ogg"),
    "opus": ("ogg", "libopus", "flt", ".opus"),
    "webm": ("webm", "libopus", "flt", ".webm"),
    "aiff": ("aiff", "pcm_s16be", "s16", ".aiff"),
}
OPUS_RATES = (48000, 24000, 16000, 12000, 8000)
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def signal(
    seconds: float,
    rate: int = 44100,
    channels: int = 2,
    kind: str = "sine",
    freq: float = 440.0,
    amp: float = 0.5,
    seed: int = 0,
) -> np.ndarray:
    """Return float32 samples shaped ``(channels, n)``.

    kinds: ``sine``, ``noise`` (uniform white noise), ``silence`` and
    ``ramp`` (sine at ``amp/8`` for the first half, ``amp`` for the second).
    """
    n = int(round(seconds * rate))
    t = np.arange(n, dtype=np.float64) / rate
    if kind == "sine":
        mono = amp * np.sin(2 * np.pi * freq * t)
    elif kind == "noise":
        mono = amp * np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    elif kind == "silence":
        mono = np.zeros(n)
    elif kind == "ramp":
        mono = amp * np.sin(2 * np.pi * freq * t)
        mono[: n // 2] *= 1 / 8
    else:
        raise ValueError(f"unknown signal kind {kind!r}")
    return np.repeat(mono[None, :], channels, axis=0).astype(np.float32)


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo", 6: "5.1"}.get(channels, f"{channels}c")


def _frames(samples: np.ndarray, rate: int, chunk: int = 4096):
    layout = _layout(samples.shape[0])
    for start in range(0, samples.shape[1], chunk):
        part = np.ascontiguousarray(samples[:, start : start + chunk])
        frame = av.AudioFrame.from_ndarray(part, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        yield frame


def _add_cover(container, cover: bytes):
    """Add an attached-picture stream (MJPEG or PNG by magic) and mux it."""
    codec = "png" if cover[:8] == b"\x89PNG\r\n\x1a\n" else "mjpeg"
    try:
        with Image.open(io.BytesIO(cover)) as im:
            width, height = im.size
    except (OSError, Image.DecompressionBombError):  # hostile covers: the stream size is only a label
        width, height = 64, 64
    stream = container.add_stream(codec)
    stream.width, stream.height = width, height
    stream.pix_fmt = "rgb24" if codec == "png" else "yuvj420p"
    stream.disposition = av.stream.Disposition.attached_pic
    return stream


def write_audio(
    path: str | Path,
    fmt: str = "wav",
    seconds: float = 1.0,
    rate: int = 44100,
    channels: int = 2,
    kind: str = "sine",
    *,
    freq: float = 440.0,
    amp: float = 0.5,
    samples: np.ndarray | None = None,
    tags: dict[str, str] | None = None,
    cover: bytes | None = None,
    bitrate: int | None = None,
) -> Path:
    """Encode a generated signal (or ``samples``) into ``path`` as ``fmt``."""
    container_fmt, codec, sample_fmt, _ = FORMATS[fmt]
    if samples is None:
        samples = signal(seconds, rate, channels, kind, freq, amp)
    channels = samples.shape[0]
    path = Path(path)
    options = {"strict": "experimental"} if codec == "vorbis" else None
    out = av.open(str(path), "w", format=container_fmt)
    try:
        stream = out.add_stream(codec, rate=rate, options=options)
        stream.layout = _layout(channels)
        stream.format = sample_fmt
        if bitrate:
            stream.bit_rate = bitrate
        for key, value in (tags or {}).items():
            out.metadata[key] = value
        pic = _add_cover(out, cover) if cover else None
        if pic is not None:
            packet = av.Packet(cover)
            packet.stream = pic
            packet.pts = packet.dts = 0
            out.mux(packet)
        for frame in _frames(samples, rate):
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    finally:
        out.close()
    return path


def write_video(
    path: str | Path,
    seconds: float = 1.0,
    with_audio: bool = True,
    rate: int = 44100,
    fps: int = 10,
) -> Path:
    """Small MP4 (MPEG-4 part 2 video, 64x48) with an optional AAC track."""
    path = Path(path)
    out = av.open(str(path), "w", format="mp4")
    try:
        video = out.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=rate) if with_audio else None
        if audio is not None:
            audio.layout = "stereo"
        for i in range(int(seconds * fps)):
            img = np.full((48, 64, 3), (i * 20) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            for frame in _frames(signal(seconds, rate, 2), rate):
                out.mux(audio.encode(frame))
            out.mux(audio.encode(None))
    finally:
        out.close()
    return path


def random_file(path: str | Path, size: int = 64 * 1024, seed: int = 1) -> Path:
    path = Path(path)
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def empty_file(path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(b"")
    return path


def truncated_copy(src: str | Path, dest: str | Path, keep: int | float) -> Path:
    """Copy the first ``keep`` bytes (int) or fraction (float < 1) of ``src``."""
    data = Path(src).read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else int(keep)
    dest = Path(dest)
    dest.write_bytes(data[:n])
    return dest


# ----------------------------------------------------------------- images


def image_bytes(img: Image.Image, fmt: str = "JPEG", **save_args) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **save_args)
    return buf.getvalue()


def two_colour_image(
    size: tuple[int, int] = (200, 100),
    left: tuple[int, int, int] = (220, 30, 40),
    right: tuple[int, int, int] = (30, 60, 200),
    split: float = 0.7,
) -> Image.Image:
    """Left ``split`` fraction of the width in ``left``, the rest ``right``."""
    w, h = size
    img = Image.new("RGB", size, right)
    img.paste(left, (0, 0, int(round(w * split)), h))
    return img


def cover_jpeg(size: int = 300, colour=(200, 40, 60)) -> bytes:
    return image_bytes(two_colour_image((size, size), colour, (20, 20, 20), 0.5))


def cmyk_jpeg(size=(120, 80)) -> bytes:
    return image_bytes(two_colour_image(size).convert("CMYK"), "JPEG")


def png16(size=(90, 60)) -> bytes:
    ramp = np.linspace(0, 65535, size[0], dtype=np.uint16)
    arr = np.repeat(ramp[None, :], size[1], axis=0)
    return image_bytes(Image.fromarray(arr), "PNG")


def animated_gif(size=(64, 64)) -> bytes:
    """Two frames: first red, second green."""
    frames = [Image.new("RGB", size, (255, 0, 0)), Image.new("RGB", size, (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


def rgba_png(size=(80, 80)) -> bytes:
    img = Image.new("RGBA", size, (0, 128, 255, 0))
    img.paste((255, 0, 0, 255), (0, 0, size[0] // 2, size[1]))
    return image_bytes(img, "PNG")


def exif_rotated_jpeg(size=(200, 100), orientation: int = 6) -> bytes:
    """A landscape image (red left half) tagged so viewers rotate it 90°."""
    img = two_colour_image(size, (255, 0, 0), (0, 0, 255), 0.5)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return image_bytes(img, "JPEG", exif=exif.tobytes())


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims ``width x height`` 1-bit pixels.

    Only a few rows of image data follow, so the file is tiny; a decoder that
    trusts the header would allocate width*height pixels.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    idat = zlib.compress(row * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
