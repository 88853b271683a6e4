"""The feed, read by two real podcast parsers (feedparser, gPodder's podcastparser) and lxml."""

from __future__ import annotations

import gzip
import io
import uuid

import feedparser
import podcastparser
from lxml import etree

from tests.podcasts.conftest import SHOW
from tonearm.podcasts.feed import ITUNES, PODCAST

NS = {"itunes": ITUNES, "podcast": PODCAST}
CHAPTERS = {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},
                                            {"startTime": 30.5, "title": "Story", "url": "https://example.org/s"}]}
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello night.\n"
SRT = b"1\n00:00:00,000 --> 00:00:02,000\nBonsoir.\n"


def _episode(client, org, track_id, **fields):
    r = client.put(f"/v1/track/{track_id}", json={"episode": fields}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["track"]["episode"]


def _rich(client, org, show):
    first, second, third = show["tracks"]
    _episode(client, org, first, title="Episode one", description="<p>Hello <script>alert(1)</script><b>you</b></p>",
             pub_date="2026-01-05T10:00:00Z", episode_number=1, season_number=1, chapters=CHAPTERS,
             soundbites=[{"start_time": 12, "duration": 30, "title": "The best bit"}],
             persons=[{"name": "Ada Host", "role": "host", "href": "https://example.org/ada"}])
    _episode(client, org, second, title="Episode two", pub_date="2026-01-12T10:00:00Z", episode_number=2,
             episode_type="bonus", explicit=True)
    _episode(client, org, third, title="Not yet", pub_date="2999-01-01T00:00:00Z")
    assert client.put(f"/v1/track/{first}/transcript/en", content=VTT, headers=org.headers).status_code == 200
    assert client.put(f"/v1/track/{first}/transcript/fr", content=SRT, headers=org.headers).status_code == 200
    return first, second, third


def test_feed_round_trips_through_real_parsers(client, org, show):
    first, second, third = _rich(client, org, show)
    r = client.get(f"/feeds/{show['collection_id']}.xml")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/rss+xml; charset=utf-8"
    pp = podcastparser.parse(f"http://testserver/feeds/{show['collection_id']}.xml", io.BytesIO(r.content))
    assert pp["title"] == SHOW["title"] and pp["description"] == SHOW["description"]
    assert pp["language"] == "en-GB" and pp["itunes_author"] == "Ada Host" and pp["type"] == "episodic"
    assert pp["itunes_owner"] == {"name": "Ada Host", "email": "ada@example.org"}
    assert pp["itunes_categories"] == [["Arts", "Books"], ["True Crime"]]
    assert [e["title"] for e in pp["episodes"]] == ["Episode two", "Episode one"]  # the future one is hidden
    two, one = pp["episodes"]
    assert one["guid"] == first and two["guid"] == second
    assert one["number"] == 1 and one["season"] == 1 and two["type"] == "bonus" and two["explicit"] is True
    assert one["total_time"] == 61 and two["total_time"] == 62
    assert one["published"] == 1767607200 and two["published"] == 1768212000
    assert "<script>" not in one["description_html"] and "<b>you</b>" in one["description_html"]
    enc = one["enclosures"][0]
    assert enc["mime_type"] == "audio/mpeg" and enc["url"].endswith(f"/e/{show['collection_id']}/{first}/lq.mp3")
    assert enc["file_size"] == len(b"ID3" + bytes(range(256)) * 40)

    fp = feedparser.parse(r.content)
    assert not fp.bozo, fp.bozo_exception
    assert fp.feed.title == SHOW["title"] and fp.feed.language == "en-GB"
    assert [t["term"] for t in fp.feed.tags] == ["Arts", "Books", "True Crime"]
    entries = {e.id: e for e in fp.entries}
    assert set(entries) == {first, second}
    assert entries[first].itunes_duration == "61" and entries[first].published_parsed[:3] == (2026, 1, 5)
    assert entries[first].enclosures[0].href == enc["url"] and entries[first].enclosures[0].type == "audio/mpeg"
    assert entries[second].itunes_episodetype == "bonus"


def test_feed_meets_apple_and_podcast_index_rules(client, org, show):
    first, _, _ = _rich(client, org, show)
    r = client.get(f"/feeds/{show['collection_id']}.xml")
    doc = etree.fromstring(r.content)
    ch = doc.find("channel")
    for tag in ("title", "description", "language", "link", "itunes:explicit", "itunes:author", "itunes:type"):
        assert ch.find(tag, NS) is not None, tag
    assert ch.find("itunes:explicit", NS).text in ("true", "false")
    assert ch.find("{http://www.w3.org/2005/Atom}link").get("rel") == "self"
    guid = ch.find("podcast:guid", NS).text
    bare = f"testserver/feeds/{show['collection_id']}.xml"
    assert uuid.UUID(guid) == uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), bare)
    assert ch.find("podcast:locked", NS).text == "no" and ch.find("podcast:locked", NS).get("owner")
    assert ch.find("podcast:funding", NS).get("url") == "https://example.org/support"
    items = ch.findall("item")
    guids = [i.find("guid").text for i in items]
    assert len(guids) == len(set(guids)) and all(i.find("guid").get("isPermaLink") == "false" for i in items)
    item = next(i for i in items if i.find("guid").text == first)
    enclosure = item.find("enclosure")
    assert int(enclosure.get("length")) > 0 and enclosure.get("type") == "audio/mpeg"
    alts = item.findall("podcast:alternateEnclosure", NS)
    assert {a.get("type") for a in alts} == {"audio/mpeg", "audio/mp4"}
    assert all(a.find("podcast:source", NS).get("uri").startswith("http://testserver/e/") for a in alts)
    chapters_url = item.find("podcast:chapters", NS).get("url")
    assert item.find("podcast:chapters", NS).get("type") == "application/json+chapters"
    assert client.get(chapters_url).json() == CHAPTERS
    transcripts = {t.get("language"): t for t in item.findall("podcast:transcript", NS)}
    assert transcripts["en"].get("type") == "text/vtt" and transcripts["fr"].get("type") == "application/x-subrip"
    got = client.get(transcripts["en"].get("url"))
    assert got.content == VTT and got.headers["content-type"].startswith("text/vtt")
    assert client.get(transcripts["fr"].get("url")).headers["content-type"].startswith("application/x-subrip")
    bite = item.find("podcast:soundbite", NS)
    assert (bite.get("startTime"), bite.get("duration"), bite.text) == ("12", "30", "The best bit")
    person = item.find("podcast:person", NS)
    assert person.text == "Ada Host" and person.get("role") == "host"


def test_conditional_requests_gzip_and_invalidation(client, org, show):
    url = f"/feeds/{show['collection_id']}.xml"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip" and first.headers["cache-control"].endswith("max-age=300")
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and gzip.decompress(gzip.compress(plain.content)) == first.content
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/night-shift.xml", headers={"If-None-Match": etag}).status_code == 304  # slug alias
    _episode(client, org, show["tracks"][0], title="Renamed")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag and b"Renamed" in again.content


def test_not_a_show_and_bad_input(client, org, show):
    assert client.get(f"/feeds/{uuid.uuid4()}.xml").status_code == 404
    col, track = show["collection_id"], show["tracks"][0]
    bad = [{"categories": [{"category": "Arts", "subcategory": "Golf"}]}, {"categories": [{"category": "Nope"}]},
           {"owner_email": "nope"}, {"language": "english!"}, {"type": "weekly"}]
    for podcast in bad:
        r = client.put(f"/v1/collection/{col}", json={"podcast": podcast}, headers=org.headers)
        assert r.status_code == 400 and r.json()["ok"] is False, podcast
    chapters = [{"chapters": []}, {"version": "1.2.0", "chapters": [{"startTime": 9999}]},
                {"version": "1.2.0", "chapters": [{"startTime": -1}]}, {"version": "1.2.0", "chapters": "x"},
                {"version": "1.2.0", "chapters": [{"startTime": 5}, {"startTime": 1}]},
                {"version": "1.2.0", "chapters": [{"startTime": n % 60} for n in range(5000)]}]
    for doc in chapters:
        r = client.put(f"/v1/track/{track}/chapters", json=doc, headers=org.headers)
        assert r.status_code in (400, 413) and r.json()["ok"] is False, doc
    r = client.put(f"/v1/track/{track}/transcript/en", content=b"just text", headers=org.headers)
    assert r.status_code == 400
    r = client.put(f"/v1/track/{track}/transcript/en", content=b"\xff\xfe", headers=org.headers)
    assert r.status_code == 400


def test_guid_is_stable_once_published(client, org, show):
    track = show["tracks"][0]
    r = client.put(f"/v1/track/{track}", json={"episode": {"guid": "other"}}, headers=org.headers)
    assert r.status_code == 409
    future = show["tracks"][1]
    _episode(client, org, future, pub_date="2999-01-01T00:00:00Z")  # scheduled: the GUID may be set
    ep = _episode(client, org, future, guid="imported-guid-7")
    assert ep["guid"] == "imported-guid-7"


def test_show_fields_and_artwork_warning(client, org, show):
    r = client.get(f"/v1/collection/{show['collection_id']}/podcast", headers=org.headers)
    podcast = r.json()["podcast"]
    assert podcast["feed_url"] == f"http://testserver/feeds/{show['collection_id']}.xml"
    assert podcast["warnings"] and "1400" in podcast["warnings"][0]
    guid = podcast["guid"]
    client.put(f"/v1/collection/{show['collection_id']}", json={"podcast": {"title": "New"}}, headers=org.headers)
    assert client.get(f"/v1/collection/{show['collection_id']}/podcast", headers=org.headers).json()["podcast"]["guid"] == guid
    opml = client.get("/v1/feeds.opml", headers=org.headers)
    assert opml.status_code == 200 and podcast["feed_url"].encode() in opml.content


def test_integrity_digests(client, org, show, queue):
    import base64
    import hashlib

    from tonearm.podcasts import tasks

    track = show["tracks"][0]
    before = client.get(f"/feeds/{show['collection_id']}.xml")
    assert b"podcast:integrity" not in before.content
    _episode(client, org, track, title="Hashed")
    assert ("podcasts.digest", track) in queue.jobs
    rt = client.app.state.runtime
    tasks.digest(rt, track)
    tasks.digests(rt)  # the periodic body does the other episodes
    doc = etree.fromstring(client.get(f"/feeds/{show['collection_id']}.xml").content)
    want = "sha256-" + base64.b64encode(hashlib.sha256(b"ID3" + bytes(range(256)) * 40).digest()).decode()
    values = [i.get("value") for i in doc.iterfind(".//podcast:integrity", NS)]
    assert len(values) == 3 * 2 and set(values) == {want}  # three episodes, two audio files each


def _set_cover(client, settings, collection_id, image) -> None:
    import tempfile
    from pathlib import Path

    from tonearm.catalog.models import Collection
    from tonearm.db.session import session_scope

    key = f"collections/{collection_id}/cover-upload"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cover"
        image.save(path, "JPEG" if image.mode == "RGB" else "PNG")
        client.app.state.runtime.storage.put(key, path)
    with session_scope(settings.database_url) as db:
        db.get(Collection, uuid.UUID(collection_id)).cover_key = key


def test_artwork_in_feed_and_warnings(client, org, show, settings):
    from PIL import Image

    col = show["collection_id"]
    _set_cover(client, settings, col, Image.new("RGB", (1400, 1400), (10, 20, 30)))
    client.put(f"/v1/collection/{col}", json={"podcast": {"title": "With art"}}, headers=org.headers)
    assert client.get(f"/v1/collection/{col}/podcast", headers=org.headers).json()["podcast"]["warnings"] == []
    doc = etree.fromstring(client.get(f"/feeds/{col}.xml").content)
    href = doc.find("channel/itunes:image", NS).get("href")
    assert doc.find("channel/image/url").text == href and href.endswith(f"/feeds/{col}/cover.jpg")
    art = client.get(href.replace("http://testserver", ""))
    assert art.status_code == 200 and art.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(art.content)).size == (1400, 1400)
    pp = podcastparser.parse("http://testserver/f.xml", io.BytesIO(client.get(f"/feeds/{col}.xml").content))
    assert pp["cover_url"] == href
    _set_cover(client, settings, col, Image.new("RGBA", (600, 400)))
    warnings = client.get(f"/v1/collection/{col}/podcast", headers=org.headers).json()["podcast"]["warnings"]
    assert any("at least 1400" in w for w in warnings) and any("square" in w for w in warnings)


def test_awkward_text_still_makes_a_valid_feed(client, org, show):
    col, track = show["collection_id"], show["tracks"][0]
    r = client.put(f"/v1/collection/{col}", json={"podcast": {"title": "Bell\u0007 & <Co>", "description": "a ]]> b\u0001",
                                                             "author": "Ren\u00e9e \U0001F3B5"}}, headers=org.headers)
    assert r.status_code == 200, r.text
    client.put(f"/v1/track/{track}", json={"player_title": "tab\there\u000b", "episode": {
        "description": "<p>x ]]> y</p>", "guid": None}}, headers=org.headers)
    feed = client.get(f"/feeds/{col}.xml")
    assert feed.status_code == 200
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.feed.title == "Bell & <Co>"
    entry = next(e for e in parsed.entries if e.id == track)
    assert entry.title == "tab\there" and entry.description == "<p>x ]]&gt; y</p>"  # nh3 escaped the ">"
    doc = etree.fromstring(feed.content)
    assert doc.find("channel/itunes:author", NS).text == "Ren\u00e9e \U0001F3B5"
    assert doc.find("channel/description").text == "a ]]&gt; b"  # show notes are HTML too: nh3 escaped the ">"
