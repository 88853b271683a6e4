"""Private feeds per subscriber token, and the stable enclosure URLs (HEAD, Range, 304)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import podcastparser
from lxml import etree

from tests.helpers import create_collection, make_ready_track
from tests.podcasts.conftest import SHOW
from tonearm.podcasts import enclosure

DATA = b"ID3" + bytes(range(256)) * 40


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_enclosure_head_get_range(client, org, show):
    feed = client.get(f"/feeds/{show['collection_id']}.xml")
    episodes = podcastparser.parse("http://testserver/f.xml", io.BytesIO(feed.content))["episodes"]
    url = _path(episodes[0]["enclosures"][0]["url"])
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-type"] == "audio/mpeg"
    assert int(head.headers["content-length"]) == len(DATA) and head.content == b""
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == DATA[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(DATA)}"
    assert client.get(url, headers={"If-None-Match": whole.headers["etag"]}).status_code == 304
    assert client.get(url.replace("/lq.mp3", "/lq.ogg")).status_code == 404
    assert client.get(url.replace("/lq.mp3", "/nope.mp3")).status_code == 404


def test_enclosure_requests_reach_analytics(client, org, show, monkeypatch):
    seen = []
    monkeypatch.setattr(enclosure, "record_delivery", lambda request, facts: seen.append(facts))
    url = f"/e/{show['collection_id']}/{show['tracks'][0]}/lq.mp3"
    client.get(url, headers={"Range": "bytes=10-19", "User-Agent": "AppleCoreMedia/1.0"})
    client.get(url.replace("lq.mp3", "zz.mp3"))
    ok, missing = seen
    assert (ok.status, ok.bytes_sent, ok.range_start, ok.range_header) == (206, 10, 10, "bytes=10-19")
    assert (ok.user_agent, ok.variant, str(ok.track_id)) == ("AppleCoreMedia/1.0", "lq", show["tracks"][0])
    assert ok.feed_token is None and ok.client and ok.storage_key is None
    assert (missing.status, missing.bytes_sent, missing.variant) == (404, 0, "zz")


def _private_show(client, org, settings):
    col = create_collection(client, org, "Members only")
    r = client.put(f"/v1/collection/{col['id']}", json={"podcast": SHOW | {"slug": None, "private": True}},
                   headers=org.headers)
    assert r.status_code == 200, r.text
    track = make_ready_track(client, org, settings, col["id"])["track_id"]
    return col["id"], track


def test_private_feed_tokens(client, org, other_org, settings):
    col, track = _private_show(client, org, settings)
    assert client.get(f"/feeds/{col}.xml").status_code == 404
    r = client.post(f"/v1/collection/{col}/subscriber", json={"email": "fan@example.org", "title": "Fan"},
                    headers=org.headers)
    assert r.status_code == 200, r.text
    sub_id, feed_url = r.json()["subscriber_id"], r.json()["feed_url"]
    feed = client.get(_path(feed_url))
    assert feed.status_code == 200 and b"<itunes:block>Yes</itunes:block>" in feed.content
    assert feed.headers["cache-control"].startswith("private")
    parsed = podcastparser.parse(feed_url, io.BytesIO(feed.content))
    enclosure_url = _path(parsed["episodes"][0]["enclosures"][0]["url"])
    assert "token=" in enclosure_url and client.head(enclosure_url).status_code == 200
    assert client.get(enclosure_url.split("?")[0]).status_code == 404  # no token: the show is not there
    # one show's token never opens another show
    other_col, _ = _private_show(client, org, settings)
    token = feed_url.split("token=")[1]
    assert client.get(f"/feeds/{other_col}.xml?token={token}").status_code == 403
    # another organization cannot list or revoke
    assert client.get(f"/v1/collection/{col}/subscriber", headers=other_org.headers).status_code == 404
    listed = client.get(f"/v1/collection/{col}/subscriber", headers=org.headers).json()["subscribers"]
    assert [s["id"] for s in listed] == [sub_id] and "token" not in str(listed)
    assert client.delete(f"/v1/collection/{col}/subscriber/{sub_id}", headers=org.headers).status_code == 200
    assert client.get(_path(feed_url)).status_code == 403
    assert client.head(enclosure_url).status_code == 403 and client.get(enclosure_url).status_code == 403


def test_expired_token(client, org, settings):
    col, _ = _private_show(client, org, settings)
    r = client.post(f"/v1/collection/{col}/subscriber", json={"expires_at": "2020-01-01T00:00:00Z"},
                    headers=org.headers)
    feed_url = r.json()["feed_url"]
    assert client.get(_path(feed_url)).status_code == 403
    track_url = f"/e/{col}/00000000-0000-0000-0000-000000000000/lq.mp3?{feed_url.split('?')[1]}"
    assert client.get(track_url).status_code == 403


def test_show_page(client, org, show, settings):
    page = client.get("/show/night-shift")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Night Shift" in page.text and f"/feeds/{show['collection_id']}.xml" in page.text
    assert page.text.count("<audio") == 3 and "podcastindex.org/search" in page.text
    col, _ = _private_show(client, org, settings)
    assert client.get(f"/show/{col}").status_code == 404


def test_enclosure_in_accel_mode(settings, queue, org):
    from starlette.testclient import TestClient

    from tonearm.api.app import create_app

    accel = settings.model_copy(update={"delivery": "accel"})
    with TestClient(create_app(accel, queue=queue)) as client:
        col = create_collection(client, org, "Accel show")
        client.put(f"/v1/collection/{col['id']}", json={"podcast": {"title": "Accel"}}, headers=org.headers)
        track = make_ready_track(client, org, settings, col["id"])["track_id"]
        url = f"/e/{col['id']}/{track}/lq.mp3"
        got = client.get(url)
        assert got.status_code == 200 and got.content == b""
        assert got.headers["x-accel-redirect"].endswith("/lq.mp3") and got.headers["content-type"] == "audio/mpeg"
        head = client.head(url)
        assert head.status_code == 200 and int(head.headers["content-length"]) == len(DATA)


def test_catalog_fields_and_moves_still_work(client, org, show):
    track = show["tracks"][0]
    other = create_collection(client, org, "Elsewhere")["id"]
    r = client.put(f"/v1/track/{track}", json={"player_title": "Moved", "collection_id": other,
                                                "episode": {"title": "Moved episode"}}, headers=org.headers)
    assert r.status_code == 200, r.text
    body = r.json()["track"]
    assert body["player_title"] == "Moved" and body["collection_id"] == other and body["episode"]["title"] == "Moved episode"
    assert track not in client.get(f"/feeds/{show['collection_id']}.xml").text
    r = client.put(f"/v1/collection/{show['collection_id']}", json={"title": "Renamed", "podcast": {"slug": "taken?"}},
                   headers=org.headers)
    assert r.status_code == 400
    r = client.put(f"/v1/collection/{show['collection_id']}", json={"title": "Renamed"}, headers=org.headers)
    assert r.json()["collection"]["title"] == "Renamed" and r.json()["collection"]["podcast"]["slug"] == "night-shift"


def test_show_notes_are_cleaned_in_the_api_the_feed_and_the_page(client, org, show):
    """The show's description gets the episodes' treatment: scripts and handlers go, links stay."""
    col = show["collection_id"]
    notes = '<p>After <a href="https://example.org" onclick="steal()">midnight</a></p><script>alert(1)</script>'
    r = client.put(f"/v1/collection/{col}", json={"podcast": {"description": notes}}, headers=org.headers)
    assert r.status_code == 200, r.text
    saved = client.get(f"/v1/collection/{col}/podcast", headers=org.headers).json()["podcast"]["description"]
    assert "script" not in saved and "onclick" not in saved and 'href="https://example.org"' in saved
    channel = etree.fromstring(client.get(f"/feeds/{col}.xml").content).find("channel")
    described = channel.findtext("description")  # raw, as a podcast app reads it (feedparser would clean it)
    assert "script" not in described and "onclick" not in described and "midnight" in described
    page = client.get("/show/night-shift").text
    assert "alert(1)" not in page and "onclick" not in page and "&lt;p&gt;" not in page
    assert '<a href="https://example.org"' in page  # rendered as markup, not shown as escaped text
