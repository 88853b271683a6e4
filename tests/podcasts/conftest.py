"""A show with ready episodes, made through the API (files stand in for processing's)."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import create_collection, make_ready_track
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope

SHOW = {
    "title": "Night Shift", "description": "Stories told after midnight.", "author": "Ada Host",
    "owner_name": "Ada Host", "owner_email": "ada@example.org", "language": "en-GB",
    "categories": [{"category": "Arts", "subcategory": "Books"}, {"category": "True Crime"}],
    "explicit": False, "type": "episodic", "link": "https://example.org/night", "copyright": "© 2026 Ada",
    "funding": [{"url": "https://example.org/support", "text": "Support us"}], "slug": "night-shift",
}


def set_duration(settings, track_id, seconds: float) -> None:
    with session_scope(settings.database_url) as db:
        db.get(Track, uuid.UUID(track_id)).duration = seconds


@pytest.fixture
def show(client, org, settings):
    col = create_collection(client, org, "Night Shift collection")
    r = client.put(f"/v1/collection/{col['id']}", json={"podcast": SHOW}, headers=org.headers)
    assert r.status_code == 200, r.text
    tracks = []
    for n in range(3):
        created = make_ready_track(client, org, settings, col["id"])
        set_duration(settings, created["track_id"], 61.4 + n)
        tracks.append(created["track_id"])
    return {"collection_id": col["id"], "tracks": tracks, "podcast": r.json()["collection"]["podcast"]}
