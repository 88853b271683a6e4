"""Hostile cover images through the track cover upload URL: refused with a 4xx when they are not
images at all, otherwise accepted and turned into sized covers, or the cover variant fails with a
reason while the audio stays playable. Judged by content, never by the client's name or type."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.audiogen import (
    animated_gif,
    bomb_png,
    cmyk_jpeg,
    cover_jpeg,
    exif_rotated_jpeg,
    png16,
    rgba_png,
    write_audio,
)
from tests.helpers import create_collection, upload_bytes

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

# id -> (bytes factory, claimed content type, expected: "sized" | "4xx" | "cover_fails")
COVERS = {
    "bomb-png-20000": (lambda: bomb_png(20000, 20000), "image/png", "cover_fails"),
    "truncated-jpeg": (lambda: cover_jpeg(400)[:1500], "image/jpeg", "cover_fails"),
    "cmyk-jpeg": (cmyk_jpeg, "image/jpeg", "sized"),
    "png-16bit": (png16, "image/png", "sized"),
    "animated-gif": (animated_gif, "image/gif", "sized"),
    "rgba-png": (rgba_png, "image/png", "sized"),
    "exif-rotated": (exif_rotated_jpeg, "image/jpeg", "sized"),
    "svg-script": (lambda: SVG, "image/svg+xml", "4xx"),
    "html-as-jpeg": (lambda: b"<html><script>alert(1)</script></html>", "image/jpeg", "4xx"),
    "empty": (lambda: b"", "image/jpeg", "4xx"),
    "random-bytes": (lambda: bytes(range(256)) * 8, "image/png", "4xx"),
    "jpeg-claims-png": (lambda: cover_jpeg(300), "image/png", "sized"),
}


@pytest.mark.parametrize("case", sorted(COVERS))
def test_hostile_cover(client, org, tmp_path, case):
    make, content_type, expected = COVERS[case]
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "song.mp3"}, headers=org.headers).json()
    audio = write_audio(tmp_path / "song.mp3", "mp3", seconds=1.0)
    cover_url = created["track_cover_upload"]["upload_url"].replace("http://testserver", "")
    r = client.post(cover_url, content=make(), headers={"content-type": content_type})
    if expected == "4xx":
        assert 400 <= r.status_code < 500, r.text
        assert r.json()["ok"] is False and r.json()["message"]
    else:
        assert r.status_code == 200, r.text
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio.read_bytes()).status_code == 200
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    play = client.post("/v1/play_session/track", json={"track_id": created["track_id"]}, headers=org.headers)
    assert play.status_code == 200, play.text
    first = play.json()["first_track"]
    assert first["variants"], "the audio must stay playable whatever the cover"
    cover = first.get("cover_image") or {}
    if expected == "sized":
        assert track["track_status_id"] == "ready", track["status_text"]
        assert {k: (v["width"], v["height"]) for k, v in cover.items()} == {
            "icon": (80, 80), "small": (200, 200), "regular": (400, 400), "large": (1200, 1200)}
        img = client.get(cover["icon"]["url"].replace("http://testserver", ""))
        assert img.status_code == 200 and img.headers["content-type"] in ("image/jpeg", "image/webp")
    elif expected == "cover_fails":
        assert track["track_status_id"] in ("incomplete", "ready"), track["status_text"]
        assert not cover
        if track["track_status_id"] == "incomplete":
            assert "cover" in track["status_text"]
    else:
        assert track["track_status_id"] == "ready" and not cover


def test_exif_rotation_is_applied(client, org, tmp_path):
    """The landscape image tagged 'rotate 90°' comes out with its red half on top."""
    import io

    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "s.mp3"}, headers=org.headers).json()
    client.post(created["track_cover_upload"]["upload_url"].replace("http://testserver", ""),
                content=exif_rotated_jpeg((400, 200)))
    upload_bytes(client, created["track_upload"]["upload_url"],
                 write_audio(tmp_path / "s.mp3", "mp3", seconds=1.0).read_bytes())
    first = client.post("/v1/play_session/track", json={"track_id": created["track_id"]},
                        headers=org.headers).json()["first_track"]
    body = client.get(first["cover_image"]["regular"]["url"].replace("http://testserver", "")).content
    with Image.open(io.BytesIO(body)) as im:
        im = im.convert("RGB")
        top, bottom = im.getpixel((200, 30)), im.getpixel((200, 370))
    assert top[0] > 150 and top[2] < 100, top  # red on top after rotation
    assert bottom[2] > 150 and bottom[0] < 100, bottom
