"""<tonearm-player> details: keyboard, preview clips on the full timeline, loudness, Media Session, looks."""

from __future__ import annotations

import time

from tests.browser.test_player import PLAYER, open_embed, state, wait_playing_past


def test_keyboard_space_and_arrows(page, catalog):
    open_embed(page, catalog, variants=["hq"])
    page.focus("tonearm-player")
    page.keyboard.press("Space")
    wait_playing_past(page, 0.3)
    before = state(page)["time"]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {PLAYER}.audio.currentTime >= {before + 4.5}")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("tonearm-player", "volume") == "0.90"
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {PLAYER}.audio.paused")
    # space on a focused button acts once (the button's own click), not twice
    page.focus("tonearm-player .play")
    page.keyboard.press("Space")
    wait_playing_past(page, state(page)["time"] + 0.2)
    assert page.get_attribute("tonearm-player .play", "aria-label") == "Pause"


def test_preview_clip_sits_in_the_full_timeline(page, catalog):
    ses = open_embed(page, catalog, scope="track", variants=["preview"])
    clip = ses["first_track"]["variants"][0]["data"]
    full = ses["first_track"]["track"]["duration"]
    wave = page.locator("tonearm-player tonearm-waveform")
    assert float(wave.get_attribute("region-start")) == clip["capture_start"]
    assert float(wave.get_attribute("region-end")) == clip["capture_end"]
    assert abs(float(wave.get_attribute("duration")) - full) < 0.01
    assert page.locator("tonearm-player .badge").is_visible()
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.5)
    st = state(page)
    assert clip["capture_start"] + 0.4 <= st["position"] <= clip["capture_end"]
    assert float(wave.get_attribute("progress")) >= clip["capture_start"]
    # seeking before the clip lands on its start, not outside it
    page.evaluate(f"{PLAYER}.seek(0)")
    assert state(page)["time"] < 0.5 and state(page)["position"] >= clip["capture_start"]


def test_loudness_toggle_changes_the_gain(page, catalog):
    ses = open_embed(page, catalog, variants=["hq"])
    gain_db = ses["first_track"]["album_gain_db"]  # a collection session normalises by album
    assert gain_db is not None and ses["first_track"]["normalization_gain_db"] is not None
    norm = page.locator("tonearm-player .norm")
    assert norm.is_visible() and norm.get_attribute("aria-pressed") == "true"
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.2)
    expected = 10 ** (gain_db / 20)
    gain = page.evaluate(f"() => {{ const p = {PLAYER}; return p._gainNode ? p._gainNode.gain.value * p.audio.volume : p.audio.volume; }}")
    assert abs(gain - expected) < 0.01, (gain, expected)
    norm.click()
    assert norm.get_attribute("aria-pressed") == "false"
    gain = page.evaluate(f"() => {{ const p = {PLAYER}; return p._gainNode ? p._gainNode.gain.value * p.audio.volume : p.audio.volume; }}")
    assert abs(gain - 1) < 0.01


def test_media_session_and_looks(page, catalog):
    open_embed(page, catalog, variants=["hq"])
    meta = page.evaluate("({title: navigator.mediaSession.metadata.title, artist: navigator.mediaSession.metadata.artist,"
                         " art: navigator.mediaSession.metadata.artwork.length})")
    assert meta == {"title": "Morning Light", "artist": "The Tonearms", "art": 3}
    accent = page.evaluate(f"getComputedStyle({PLAYER}).getPropertyValue('--accent-l').trim()")
    assert accent.startswith("#")
    page.evaluate(f"{PLAYER}.setAttribute('theme', 'dark')")
    bg = page.evaluate(f"getComputedStyle({PLAYER}.shadowRoot.querySelector('.card')).backgroundColor")
    assert bg == "rgb(22, 24, 29)"
    assert page.locator("tonearm-player .cover").get_attribute("alt") == "Cover of Morning Light"


GONE = '{"ok": false, "message": "This play session has expired; create a new one", "api_request_id": "x"}'


def _keyed_player(page, catalog, other_origin, name: str) -> None:
    from tests.browser.test_player import player_page

    page.goto(other_origin(name, player_page(catalog, {
        "api-key": catalog.player_key, "scope": "collection", "id": catalog.collection_id, "variants": "hq",
        "api-url": catalog.server.url})))
    page.wait_for_function(f"() => {PLAYER}?.payload")


def test_a_410_from_the_api_renews_the_session(page, catalog, other_origin):
    _keyed_player(page, catalog, other_origin, "gone.html")
    first = state(page)["sid"]
    answered = []

    def gone_once(route):
        if not answered:
            answered.append(route.request.url)
            route.fulfill(status=410, content_type="application/json", body=GONE)
        else:
            route.continue_()

    page.route("**/v1/play/**", gone_once)
    with page.expect_request(lambda r: r.method == "POST" and "/v1/play_session/collection" in r.url):
        page.click("tonearm-player .next")
    page.wait_for_function(f"() => {PLAYER}.shadowRoot.querySelector('.title').textContent === 'Second Wind'")
    assert answered and state(page)["sid"] != first
    assert page.locator("tonearm-player .error").is_hidden()


def test_a_refused_audio_url_renews_and_resumes(page, catalog, other_origin):
    refused = []

    def forbid_once(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=403, content_type="application/json", body=GONE)
        else:
            route.continue_()

    opened = []
    page.on("request", lambda r: opened.append(r.url) if r.method == "POST" and "/v1/play_session/" in r.url else None)
    page.route("**/d/*_hq.m4a*", forbid_once)  # the first audio request is refused, as for an expired URL
    _keyed_player(page, catalog, other_origin, "refused.html")
    deadline = time.time() + 15
    while len(opened) < 2 and time.time() < deadline:  # the media error made the player open a new session
        page.wait_for_timeout(100)
    assert len(opened) == 2
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.3)
    assert len(refused) == 1 and state(page)["error"] is None
    assert page.locator("tonearm-player .error").is_hidden()


def test_playlist_scope_in_playlist_order(page, catalog, other_origin):
    from tests.browser.test_player import player_page

    ids = catalog.track_ids
    pl = catalog.api.post("/v1/playlist", json={"title": "Evening", "track_ids": [ids[2], ids[0]]}).json()["playlist_id"]
    page.goto(other_origin("playlist.html", player_page(catalog, {
        "api-key": catalog.player_key, "scope": "playlist", "id": pl, "api-url": catalog.server.url})))
    page.wait_for_function(f"() => {PLAYER}?.payload")
    titles = page.locator("tonearm-player .list .t").all_inner_texts()
    assert titles == ["Third Coast", "Morning Light"]
    assert state(page)["title"] == "Third Coast"
    catalog.api.delete(f"/v1/playlist/{pl}")
