"""Hostile and odd audio files, generated, each with the outcome Tonearm must reach.

`expect` is the set of acceptable terminal statuses: `ready` where the file holds usable audio,
`init_error` where it does not (with a readable reason), `http_400` where the upload URL itself
refuses the body; never a crash, a hang or a stuck track.
`why` says why that is the right outcome.
"""

from __future__ import annotations

import dataclasses
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from tests.audiogen import (
    bomb_png,
    cover_jpeg,
    empty_file,
    image_bytes,
    random_file,
    signal,
    truncated_copy,
    two_colour_image,
    write_audio,
    write_video,
)

READY = frozenset({"ready"})
REFUSED = frozenset({"init_error"})
PLAYABLE = frozenset({"ready", "incomplete"})  # audio variants made; a side variant failed with a reason
UPLOAD_400 = frozenset({"http_400"})  # refused by the upload URL itself, in the error envelope


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path]
    expect: frozenset[str]
    why: str
    file_name: str | None = None  # the name the client claims; default: the generated file's name


def _chunk_offset(data: bytes, tag: bytes) -> int:
    pos = data.find(tag, 12)
    assert pos > 0, tag
    return pos


def _patched_wav(tmp: Path, name: str, patch: Callable[[bytearray], None], **audio) -> Path:
    path = write_audio(tmp / name, "wav", seconds=audio.pop("seconds", 1.0), **audio)
    data = bytearray(path.read_bytes())
    patch(data)
    path.write_bytes(bytes(data))
    return path


def _wav_claims_4gb(data: bytearray) -> None:
    struct.pack_into("<I", data, 4, 0xFFFFFFF0)
    struct.pack_into("<I", data, _chunk_offset(data, b"data") + 4, 0xFFFFFFE0)


def _wav_zero_channels(data: bytearray) -> None:
    struct.pack_into("<H", data, _chunk_offset(data, b"fmt ") + 10, 0)


def _wav_megahertz(data: bytearray) -> None:
    fmt = _chunk_offset(data, b"fmt ")
    struct.pack_into("<I", data, fmt + 12, 1_000_000)
    struct.pack_into("<I", data, fmt + 16, 4_000_000)


def _wav_no_data_chunk(data: bytearray) -> None:
    pos = _chunk_offset(data, b"data")
    del data[pos:]


def _mp3_with_big_id3(tmp: Path) -> Path:
    audio = write_audio(tmp / "inner.mp3", "mp3", seconds=1.0).read_bytes()
    size = 50 * 1024 * 1024
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    path = tmp / "big-id3.mp3"
    with open(path, "wb") as fh:
        fh.write(b"ID3\x04\x00\x00" + syncsafe)
        fh.write(b"\x00" * size)  # padding inside the tag
        fh.write(audio)
    return path


def _id3_only(tmp: Path) -> Path:
    path = tmp / "tag-only.mp3"
    body = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00" + b"\x03Hello"
    size = len(body)
    path.write_bytes(b"ID3\x04\x00\x00" + bytes([0, 0, (size >> 7) & 0x7F, size & 0x7F]) + body)
    return path


def _silent_flac_10h(tmp: Path) -> Path:
    """Ten hours of silence at 8 kHz mono: about 7 MB, far past the duration limit."""
    path = tmp / "ten-hours.flac"
    out = av.open(str(path), "w", format="flac")
    stream = out.add_stream("flac", rate=8000)
    stream.layout, stream.format = "mono", "s16"
    minute = np.zeros((1, 8000 * 60), np.int16)
    for m in range(600):
        frame = av.AudioFrame.from_ndarray(minute, format="s16", layout="mono")
        frame.sample_rate, frame.pts = 8000, m * minute.shape[1]
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return path


def _nan_float_wav(tmp: Path) -> Path:
    samples = signal(1.0, 44100, 2)
    samples[:, ::7] = np.nan
    samples[:, 3::11] = np.inf
    return write_audio(tmp / "nan.wav", "wavf32", samples=samples)


def _named(content: bytes, name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(content)
        return path

    return make


def _zip_as_wav(tmp: Path) -> Path:
    path = tmp / "archive.wav"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not audio " * 100)
    return path


def _audio(fmt: str, name: str, **kw) -> Callable[[Path], Path]:
    return lambda tmp: write_audio(tmp / name, fmt, **{"seconds": 1.0, **kw})


def _tags(tmp: Path) -> Path:
    return write_audio(tmp / "tags.mp3", "mp3", seconds=1.0, tags={
        "title": "\u202eevil\u202c \U0001f3b5 " + "x" * 5000, "artist": "a\u200fb", "album": "<script>alert(1)</script>"})


def _concat(tmp: Path) -> Path:
    good = write_audio(tmp / "head.mp3", "mp3", seconds=1.0).read_bytes()
    path = tmp / "tail-garbage.mp3"
    path.write_bytes(good + np.random.default_rng(3).bytes(40_000))
    return path


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

CASES: list[Case] = [
    # ---- not audio at all: refused at probe with a reason
    Case("empty", lambda t: empty_file(t / "empty.mp3"), UPLOAD_400, "no bytes: nothing to store"),
    Case("one-byte", _named(b"\xff", "one.mp3"), REFUSED, "no stream fits in one byte"),
    Case("random-mp3", lambda t: random_file(t / "noise.mp3", 64_000), REFUSED, "noise has no audio stream"),
    Case("random-wav", lambda t: random_file(t / "noise.wav", 64_000, seed=2), REFUSED, "noise has no audio stream"),
    Case("zip-as-wav", _zip_as_wav, REFUSED, "a ZIP archive"),
    Case("pdf-as-wav", _named(PDF, "doc.wav"), REFUSED, "a PDF document"),
    Case("png-as-wav", _named(image_bytes(two_colour_image((64, 64)), "PNG"), "image.wav"), REFUSED,
         "a still image is not audio"),
    Case("jpeg-as-mp3", _named(cover_jpeg(64), "photo.mp3"), REFUSED, "a still image is not audio"),
    Case("html-as-wav", _named(HTML, "page.wav"), REFUSED, "an HTML page"),
    Case("id3-only", _id3_only, REFUSED, "a tag with no audio frames"),
    Case("video-no-audio", lambda t: write_video(t / "silent-film.mp4", with_audio=False), REFUSED,
         "a video without an audio stream"),
    Case("flac-header-only", lambda t: truncated_copy(write_audio(t / "f.flac", "flac"), t / "cut.flac", 60),
         REFUSED, "stream info but no frames"),
    Case("wav-zero-channels", lambda t: _patched_wav(t, "zero-ch.wav", _wav_zero_channels), REFUSED,
         "zero channels cannot be decoded"),
    Case("wav-no-data", lambda t: _patched_wav(t, "nodata.wav", _wav_no_data_chunk), REFUSED,
         "a header with no data chunk"),
    Case("flac-ten-hours", _silent_flac_10h, REFUSED, "10 h is past TONEARM_MAX_DURATION_SECONDS (6 h)"),
    # ---- broken or odd but holding audio: processed from what is there
    Case("mp3-truncated", lambda t: truncated_copy(write_audio(t / "full.mp3", "mp3", seconds=2.0),
                                                   t / "half.mp3", 0.5), READY, "the first half decodes"),
    Case("wav-truncated", lambda t: truncated_copy(write_audio(t / "full.wav", "wav", seconds=2.0),
                                                   t / "half.wav", 0.5), READY, "PCM up to the cut decodes"),
    Case("mp3-garbage-tail", _concat, READY, "decoders resync past trailing junk"),
    Case("mp3-50mb-id3", _mp3_with_big_id3, READY, "the tag is skipped by its declared size"),
    Case("wav-claims-4gb", lambda t: _patched_wav(t, "liar.wav", _wav_claims_4gb), READY | REFUSED,
         "the data ends long before the header says: decode what is there, or refuse the length"),
    Case("wav-1mhz", lambda t: _patched_wav(t, "mhz.wav", _wav_megahertz), READY | REFUSED,
         "a 1 MHz rate is resampled down, or refused as out of range"),
    Case("wav-float-nan", _nan_float_wav, READY, "non-finite samples are clamped by the encoders"),
    Case("video-with-audio", lambda t: write_video(t / "clip.mp4", seconds=1.0), READY, "the audio stream is used"),
    Case("tags-hostile", _tags, READY, "tags are text: stored, truncated, escaped on output"),
    Case("cover-bomb-embedded", lambda t: write_audio(t / "bomb.mp3", "mp3", cover=bomb_png(30000, 30000)),
         PLAYABLE, "the audio plays; the cover variant fails with 'decompression bomb'"),
    Case("cover-truncated-embedded", lambda t: write_audio(t / "badart.mp3", "mp3", cover=cover_jpeg(300)[:400]),
         PLAYABLE, "the audio plays; the cover variant fails with 'invalid image'"),
    Case("very-short", _audio("wav", "blip.wav", seconds=0.05), READY, "50 ms still makes every variant"),
    Case("silence", _audio("flac", "quiet.flac", kind="silence"), READY, "silence is audio"),
    Case("mono-8k", _audio("wav", "phone.wav", rate=8000, channels=1), READY, "low rate, one channel"),
    Case("wav-96k-24bit", _audio("wav24", "hires.wav", rate=96000), READY, "high resolution PCM"),
    Case("surround-6ch", _audio("wav", "surround.wav", channels=6), READY, "5.1 is downmixed to stereo"),
    Case("full-scale-noise", _audio("wav", "loud.wav", kind="noise", amp=1.0), READY, "clipping-level input"),
    # ---- every format a browser or a DAW hands us
    Case("mp3", _audio("mp3", "a.mp3"), READY, "MP3"),
    Case("m4a", _audio("m4a", "a.m4a"), READY, "AAC in MP4"),
    Case("adts-aac", _audio("aac", "a.aac"), READY, "raw ADTS AAC"),
    Case("flac", _audio("flac", "a.flac"), READY, "FLAC"),
    Case("wav-float", _audio("wavf32", "f.wav"), READY, "float WAV"),
    Case("ogg-vorbis", _audio("ogg", "a.ogg"), READY, "Ogg Vorbis"),
    Case("opus", _audio("opus", "a.opus", rate=48000), READY, "Ogg Opus"),
    Case("webm-opus", _audio("webm", "rec.webm", rate=48000), READY, "a browser MediaRecorder file"),
    Case("aiff", _audio("aiff", "a.aiff"), READY, "AIFF"),
    # ---- names and types from the client are not trusted
    Case("wav-named-mp3", _audio("wav", "really-a-wav.mp3"), READY, "content decides, not the name"),
    Case("name-traversal", _audio("mp3", "t.mp3"), READY, "the name is only a label", file_name="../../etc/passwd.mp3"),
    Case("name-long-emoji-rtl", _audio("mp3", "t2.mp3"), READY, "the name is only a label",
         file_name="\u202e" + "\U0001f3b6" * 300 + "x" * 695 + ".mp3"),  # 1000 characters, the limit
]
