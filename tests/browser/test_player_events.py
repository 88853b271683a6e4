"""<tonearm-player>'s listening events reach the server: play (with startup time), progress,
complete, and a progress beacon on pagehide."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, select

from tests.browser.test_player import PLAYER, open_embed, wait_playing_past
from tonearm.analytics.models import PlayerEvent


def _events(catalog, sid: str, want: set[str], timeout: float = 20.0) -> list:
    """The server's stored player events of a session, once every kind in `want` is there."""
    engine = create_engine(f"sqlite:///{catalog.server.data_dir / 'tonearm.db'}")
    deadline, rows = time.time() + timeout, []
    try:
        while time.time() < deadline:
            with engine.connect() as conn:
                rows = conn.execute(select(PlayerEvent.kind, PlayerEvent.track_id, PlayerEvent.startup_ms,
                                           PlayerEvent.listened_seconds, PlayerEvent.play_session_id)).all()
            rows = [r for r in rows if r.play_session_id.hex == sid.replace("-", "")]
            if want <= {r.kind for r in rows}:
                return rows
            time.sleep(0.3)
    finally:
        engine.dispose()
    raise AssertionError(f"server has {[r.kind for r in rows]}, wanted {want}")


def test_a_played_track_sends_play_progress_and_complete(page, catalog):
    ses = open_embed(page, catalog, variants=["lq"])
    sid, last = ses["play_session_id"], catalog.track_ids[2]  # "Third Coast", 7 s, the last of the list
    page.evaluate(f"() => {PLAYER}.select(2, {{autoplay: true}})")
    page.wait_for_function(f"() => {PLAYER}.audio.ended", timeout=30000)
    rows = [r for r in _events(catalog, sid, {"play", "progress", "complete"}) if str(r.track_id) == last]
    kinds = [r.kind for r in rows]
    assert kinds.count("play") == 1 and kinds.count("complete") == 1
    play = next(r for r in rows if r.kind == "play")
    assert play.startup_ms is not None and play.startup_ms >= 0
    heard = sum(r.listened_seconds for r in rows if r.kind == "progress")
    assert 5.0 <= heard <= 8.0  # the 7 s track, heard once
    assert page.js_errors == []


def test_leaving_the_page_sends_the_progress_with_a_beacon(page, catalog):
    ses = open_embed(page, catalog, variants=["lq"])
    page.evaluate("""() => { window.beacons = [];
        const real = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (url, body) => { window.beacons.push([url, String(body)]); return real(url, body); }; }""")
    page.click("tonearm-player .play")
    wait_playing_past(page, 1.5)
    page.evaluate("() => dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")  # still playing
    beacons = page.evaluate("() => window.beacons")
    assert len(beacons) == 1 and beacons[0][0].endswith("/event") and '"progress"' in beacons[0][1]
    rows = _events(catalog, ses["play_session_id"], {"play", "progress"})
    assert [r.kind for r in rows].count("complete") == 0
    assert sum(r.listened_seconds for r in rows if r.kind == "progress") >= 1.0
