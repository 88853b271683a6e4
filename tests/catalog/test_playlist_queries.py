"""Playlists read their tracks in a fixed number of SQL statements, however many tracks or
playlists there are (no query per track, no query per playlist)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from tests.helpers import create_collection, create_track


@contextlib.contextmanager
def counted(app):
    """Count the statements the app's engine sends while the block runs."""
    engine = app.state.runtime.sessionmaker.kw["bind"]
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def track_ids(client, org):
    col = create_collection(client, org)
    return [create_track(client, org, col["id"], f"{n}.mp3")["track_id"] for n in range(40)]


def _playlist(client, org, ids) -> str:
    r = client.post("/v1/playlist", json={"title": "Mix", "track_ids": ids}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["playlist_id"]


def _statements(app, client, org, url: str) -> tuple[int, dict]:
    with counted(app) as statements:
        r = client.get(url, headers=org.headers)
    assert r.status_code == 200, r.text
    return len(statements), r.json()


def test_listing_a_playlists_tracks_does_not_grow_with_its_tracks(app, client, org, track_ids):
    small = _playlist(client, org, track_ids[:3])
    large = _playlist(client, org, track_ids[::-1])
    few, body_few = _statements(app, client, org, f"/v1/playlist/{small}/track?limit=200")
    many, body_many = _statements(app, client, org, f"/v1/playlist/{large}/track?limit=200")
    assert len(body_few["tracks"]) == 3 and len(body_many["tracks"]) == 40
    assert [t["id"] for t in body_many["tracks"]] == track_ids[::-1]
    assert many == few <= 6, (few, many)


def test_getting_a_playlist_does_not_grow_with_its_tracks(app, client, org, track_ids):
    few, _ = _statements(app, client, org, f"/v1/playlist/{_playlist(client, org, track_ids[:2])}")
    many, body = _statements(app, client, org, f"/v1/playlist/{_playlist(client, org, track_ids)}")
    assert body["playlist"]["track_count"] == 40
    assert many == few <= 5, (few, many)


def test_listing_playlists_does_not_grow_with_playlists_or_tracks(app, client, org, track_ids):
    _playlist(client, org, track_ids[:1])
    one, body = _statements(app, client, org, "/v1/playlist")
    assert body["count"] == 1
    for n in range(2, 12):
        _playlist(client, org, track_ids[:n * 3])
    _playlist(client, org, [])
    eleven, body = _statements(app, client, org, "/v1/playlist")
    assert body["count"] == 12 and [p["track_count"] for p in body["playlists"]] == [1, *range(6, 36, 3), 0]
    assert body["playlists"][3]["track_ids"] == track_ids[:12]
    assert eleven == one <= 6, (one, eleven)
