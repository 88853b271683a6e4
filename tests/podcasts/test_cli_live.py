"""`tonearm show|episode|subscriber` against a real server that really processes an upload; the
private feed it prints is read with podcastparser and its enclosure answers HEAD and Range."""

from __future__ import annotations

import io
import json

import httpx
import podcastparser
import pytest

from tests.audiogen import write_audio
from tests.cli.test_remote_cli import _json, tonearm
from tests.e2e.server import ServerProcess

CHAPTERS = {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Start"}, {"startTime": 1, "title": "End"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("podcast-cli") / "data").start()
    yield srv
    srv.stop()


def test_show_episode_subscriber_commands(server, tmp_path):
    write_audio(tmp_path / "ep1.wav", "wav", seconds=2.0, freq=440)
    (tmp_path / "chapters.json").write_text(json.dumps(CHAPTERS))
    (tmp_path / "en.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
    col = _json(tonearm(server, "collections", "create", "CLI show", "--json"))["id"]
    done = tonearm(server, "upload", str(tmp_path / "ep1.wav"), "--collection", col, "--wait")
    assert done.returncode == 0, done.stderr
    track = _json(tonearm(server, "tracks", "list", "--collection", col, "--json"))[0]["id"]

    shown = tonearm(server, "show", "set", col, "--title", "CLI show", "--category", "Technology",
                    "--category", "News/Tech News", "--owner-email", "me@example.org", "--private")
    assert shown.returncode == 0, shown.stderr
    assert f"/feeds/{col}.xml" in shown.stdout and "warning: no cover image" in shown.stdout
    ep = _json(tonearm(server, "episode", "set", track, "--title", "First", "--pub-date", "2026-02-01T08:00:00Z",
                       "--chapters", str(tmp_path / "chapters.json"), "--transcript", str(tmp_path / "en.vtt"),
                       "--json"))
    assert ep["has_chapters"] and ep["transcripts"] == [{"language": "en", "format": "vtt"}]
    added = tonearm(server, "subscriber", "add", col, "--email", "fan@example.org")
    assert added.returncode == 0, added.stderr
    feed_url = added.stdout.strip()

    assert httpx.get(f"{server.url}/feeds/{col}.xml").status_code == 404  # private
    feed = httpx.get(feed_url)
    assert feed.status_code == 200
    parsed = podcastparser.parse(feed_url, io.BytesIO(feed.content))
    assert parsed["itunes_categories"] == [["Technology"], ["News", "Tech News"]]
    (episode,) = parsed["episodes"]
    assert episode["title"] == "First" and episode["total_time"] == 2
    enclosure = episode["enclosures"][0]
    head = httpx.head(enclosure["url"])
    assert head.status_code == 200 and int(head.headers["content-length"]) == enclosure["file_size"]
    assert head.headers["content-type"] == enclosure["mime_type"] == "audio/mpeg"
    part = httpx.get(enclosure["url"], headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and len(part.content) == 4

    subs = _json(tonearm(server, "subscriber", "list", col, "--json"))
    assert tonearm(server, "subscriber", "revoke", col, subs[0]["id"]).returncode == 0
    assert httpx.get(feed_url).status_code == 403 and httpx.head(enclosure["url"]).status_code == 403
