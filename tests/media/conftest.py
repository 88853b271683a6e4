"""Fixtures for the media-layer tests: generated once per session."""

from __future__ import annotations

import pytest

from tests import audiogen as ag

#: format -> (sample rate, seconds) of the probe fixtures
PROBE_CASES = {
    "mp3": (44100, 3.0),
    "m4a": (44100, 3.0),
    "aac": (44100, 3.0),
    "flac": (48000, 2.5),
    "wav": (44100, 2.0),
    "wav24": (96000, 1.5),
    "wavf32": (22050, 2.0),
    "ogg": (44100, 3.0),
    "opus": (48000, 3.0),
    "webm": (48000, 3.0),
    "aiff": (8000, 2.0),
}
TAGS = {"title": "Test Títle", "artist": "Some Artist", "album": "An Album"}


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def cover_bytes():
    return ag.cover_jpeg(300)


@pytest.fixture(scope="session")
def fixtures(media_dir, cover_bytes):
    """Every probe fixture, keyed by format name."""
    out = {}
    for fmt, (rate, seconds) in PROBE_CASES.items():
        suffix = ag.FORMATS[fmt][3]
        cover = cover_bytes if fmt in ("mp3", "m4a", "flac") else None
        out[fmt] = ag.write_audio(media_dir / f"probe_{fmt}{suffix}", fmt, seconds, rate, 2,
                                  tags=TAGS, cover=cover)
    return out


@pytest.fixture(scope="session")
def song(media_dir, cover_bytes):
    """12 s stereo MP3 whose second half is 8x louder, with tags and cover."""
    return ag.write_audio(media_dir / "song.mp3", "mp3", 12.0, 44100, 2, "ramp",
                          tags=TAGS, cover=cover_bytes)
