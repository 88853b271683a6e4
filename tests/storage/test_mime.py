"""One content-type table for processing (what a track file records) and delivery (what /d/ sends)."""

from __future__ import annotations

from tonearm.processing import outputs
from tonearm.storage.mime import DEFAULT, MIME, content_type


def test_one_table_for_both_layers():
    assert outputs.MIME is MIME


def test_union_of_the_old_tables():
    for ext, ctype in {"m4a": "audio/mp4", "mp3": "audio/mpeg", "opus": "audio/ogg", "aif": "audio/aiff",
                       "aac": "audio/aac", "oga": "audio/ogg", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                       "json": "application/json", "webp": "image/webp"}.items():
        assert content_type(ext) == ctype, ext
    assert content_type("xyz") == DEFAULT == content_type("bin") == "application/octet-stream"


def test_mp4_is_video():
    """.mp4 is a waveform video or an original with a video stream (audio-only MP4 is .m4a)."""
    assert content_type("mp4") == "video/mp4" and content_type("m4a") == "audio/mp4"
