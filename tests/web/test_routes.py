"""Pages and page endpoints of tonearm.web, over HTTP (the browser tests drive the same pages in chromium)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import quote

from starlette.testclient import TestClient

from tests.helpers import create_collection, make_ready_track
from tonearm.api.app import create_app
from tonearm.db.session import session_scope
from tonearm.playback.models import PlaySession


def _ready(client, org, settings) -> tuple[dict, dict]:
    col = create_collection(client, org, "Web")
    track = make_ready_track(client, org, settings, col["id"])
    return col, track


def _player_attrs(html: str) -> str:
    match = re.search(r"<tonearm-player ([^>]*)>", html)
    assert match, html
    return match.group(1)


def test_components_are_served_as_es_modules(client):
    for name in ("player", "uploader", "recorder", "waveform", "shared", "upload-core", "player-css"):
        r = client.get(f"/static/components/{name}.js")
        assert r.status_code == 200 and "javascript" in r.headers["content-type"]
        assert r.headers["access-control-allow-origin"] == "*"
    assert client.get("/static/components/nope.js").status_code == 404
    assert client.get("/static/components/%2e%2e/%2e%2e/routes.py").status_code == 404


def test_embed_session_page_with_oembed_discovery(client, org, settings):
    col, track = _ready(client, org, settings)
    ses = client.post("/v1/play_session/collection", json={"collection_id": col["id"]}, headers=org.headers).json()
    sid = ses["play_session_id"]
    r = client.get(f"/embed/{sid}?theme=dark&size=large&autoplay=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    attrs = _player_attrs(r.text)
    assert f'play-session-id="{sid}"' in attrs and 'theme="dark"' in attrs and 'size="large"' in attrs
    assert "autoplay" in attrs and "api-key" not in attrs
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', r.text).group(1)
    data = client.get(link.replace("&amp;", "&").replace("http://testserver", "")).json()
    assert data["version"] == "1.0" and data["type"] == "rich" and data["provider_name"] == "Tonearm"
    assert f'src="http://testserver/embed/{sid}"' in data["html"] and data["width"] == 640
    # a theme outside the list is dropped, not echoed into the page
    assert "theme=" not in _player_attrs(client.get(f'/embed/{sid}?theme="><script>').text)


def test_embed_session_missing_or_expired(client, org, settings):
    col, _track = _ready(client, org, settings)
    assert client.get("/embed/not-a-uuid").status_code == 404
    assert client.get(f"/embed/{uuid.uuid4()}").status_code == 404
    sid = client.post("/v1/play_session/collection", json={"collection_id": col["id"]},
                      headers=org.headers).json()["play_session_id"]
    with session_scope(settings.database_url) as db:
        db.get(PlaySession, uuid.UUID(sid)).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    r = client.get(f"/embed/{sid}")
    assert r.status_code == 410 and "expired" in r.text


def test_embed_track_with_player_and_share_keys(client, org, settings):
    col, track = _ready(client, org, settings)
    tid = track["track_id"]
    player = org.key("player", collection_id=uuid.UUID(col["id"]))
    attrs = _player_attrs(client.get(f"/embed/track/{tid}?key={player}").text)
    assert f'api-key="{player}"' in attrs and 'scope="track"' in attrs and f'id="{tid}"' in attrs
    share = org.key("share", collection_id=uuid.UUID(col["id"]), track_id=uuid.UUID(tid), variants=["lq"])
    r = client.get(f"/embed/track/{tid}?key={share}")
    attrs = _player_attrs(r.text)
    assert "api-key" not in attrs and "play-session-id=" in attrs and "session-url=" in attrs
    fresh = client.get(f"/embed/track/{tid}/session?key={share}").json()
    assert fresh["ok"] and fresh["play_session"]["variants"] == ["lq"] and not fresh["play_session"]["is_downloadable"]
    assert [v["variant"]["index"] for v in fresh["first_track"]["variants"]] == ["lq"]
    # wrong or missing keys, other tracks
    assert client.get(f"/embed/track/{tid}?key=tnm_nope").status_code == 401
    assert client.get(f"/embed/track/{tid}").status_code == 401
    assert client.get(f"/embed/track/{tid}?key={org.api_key}").status_code == 401
    other = make_ready_track(client, org, settings, col["id"])["track_id"]
    assert client.get(f"/embed/track/{other}?key={share}").status_code == 404
    r = client.get(f"/embed/track/{other}/session?key={share}")
    assert r.status_code == 404 and r.json()["ok"] is False
    r = client.get(f"/embed/track/{tid}/session?key={player}")
    assert r.status_code == 401 and r.json()["message"]


def test_oembed_rejects_foreign_and_malformed_urls(client, org, settings):
    col, track = _ready(client, org, settings)
    page = f"http://testserver/embed/track/{track['track_id']}?key=x"
    ok = client.get(f"/oembed?url={quote(page, safe='')}&maxwidth=400&maxheight=120").json()
    assert ok["width"] == 400 and ok["height"] == 120 and 'width="400"' in ok["html"]
    for bad in ("https://evil.example/embed/x", "http://testserver/v1/collection", "http://testserver/embed/zzz",
                f"http://testserver/embed/{uuid.uuid4()}", "http://testserver/embed/a/b/c"):
        r = client.get(f"/oembed?url={quote(bad, safe='')}")
        assert r.status_code == 404 and r.json()["ok"] is False, bad
    assert client.get(f"/oembed?url={quote(page, safe='')}&format=xml").status_code == 400
    assert client.get(f"/oembed?url={quote(page, safe='')}&maxwidth=0").status_code == 400
    assert client.get("/oembed").status_code == 400


def test_upload_track_status_is_authorised_by_the_session(client, org, settings):
    col = create_collection(client, org, "Uploads")
    ses = client.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers).json()
    sid = ses["upload_session_id"]
    created = client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3"}).json()
    r = client.get(f"/v1/upload/{sid}/track/{created['track_id']}")
    assert r.status_code == 200 and r.json()["track_status_id"] == "initialized"
    other = client.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers).json()
    assert client.get(f"/v1/upload/{other['upload_session_id']}/track/{created['track_id']}").status_code == 404
    assert client.get(f"/v1/upload/{sid}/track/not-a-uuid").status_code == 400


def test_dashboard_and_docs_pages(client, settings, queue):
    r = client.get("/dashboard")
    assert r.status_code == 200 and "<tonearm-uploader" not in r.text and "pages/dashboard.js" in r.text
    docs = client.get("/docs/components")
    assert docs.status_code == 200
    for tag in ("tonearm-player", "tonearm-uploader", "tonearm-recorder", "tonearm-waveform"):
        assert f"&lt;{tag}&gt;" in docs.text
    settings.dashboard_enabled = False
    with TestClient(create_app(settings, queue=queue)) as off:
        r = off.get("/dashboard")
        assert r.status_code == 404 and r.json()["ok"] is False
