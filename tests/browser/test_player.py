"""<tonearm-player> in chromium against a real server: play, seek, quality, next, download, refresh."""

from __future__ import annotations

import html

PLAYER = "document.querySelector('tonearm-player')"


def state(page) -> dict:
    return page.evaluate(f"""() => {{ const p = {PLAYER}, a = p.audio;
        return {{time: a.currentTime, paused: a.paused, error: a.error && a.error.code, src: a.currentSrc,
                 title: p.shadowRoot.querySelector('.title').textContent, position: p.position,
                 sid: p.sessionId, index: p.index}}; }}""")


def wait_playing_past(page, seconds: float, timeout: float = 20000) -> None:
    page.wait_for_function(f"() => {{ const a = {PLAYER}.audio; return !a.paused && a.currentTime > {seconds}; }}",
                           timeout=timeout)


def open_embed(page, catalog, **session) -> dict:
    ses = catalog.play_session(**session)
    page.goto(f"{catalog.server.url}/embed/{ses['play_session_id']}")
    page.wait_for_function(f"() => {PLAYER}?.payload && {PLAYER}.audio.src")
    return ses


def player_page(catalog, attrs: dict) -> str:
    tags = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    return (f'<!doctype html><html lang="en"><head><title>Player test</title>'
            f'<script type="module" src="{catalog.server.url}/static/components/player.js"></script></head>'
            f'<body><main><tonearm-player {tags}></tonearm-player></main></body></html>')


def test_embed_page_plays_the_session(page, catalog):
    ses = open_embed(page, catalog, variants=["hq", "lq"])
    first = ses["first_track"]["track"]
    assert state(page)["title"] == first["player_title"] == "Morning Light"
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.6)
    st = state(page)
    assert st["error"] is None and "_hq.m4a" in st["src"]
    assert page.get_attribute("tonearm-player .play", "aria-label") == "Pause"
    # oEmbed discovery points at an endpoint that answers with an iframe
    href = page.get_attribute('link[rel=alternate][type="application/json+oembed"]', "href")
    data = catalog.api.get(href).json()
    assert data["type"] == "rich" and f"/embed/{ses['play_session_id']}" in data["html"]
    assert page.js_errors == []


def test_waveform_click_seeks_with_a_range_request(page, catalog):
    ranged = []
    page.on("response", lambda r: ranged.append((r.request.headers.get("range"), r.status))
            if "/d/" in r.url else None)
    open_embed(page, catalog, variants=["hq"])
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.3)
    box = page.locator("tonearm-player tonearm-waveform").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    duration = page.evaluate(f"{PLAYER}.duration")
    target = duration * 0.6
    page.wait_for_function(f"() => {PLAYER}.audio.currentTime >= {target - 1}")
    at = state(page)["time"]
    assert target - 1 <= at <= target + 2
    wait_playing_past(page, at + 0.5)  # resumes from the new position
    assert any(rng and status == 206 for rng, status in ranged), ranged
    progress = float(page.get_attribute("tonearm-player tonearm-waveform", "progress"))
    assert progress >= target - 1


def test_quality_switch_keeps_position_and_playing(page, catalog):
    open_embed(page, catalog, variants=["hq", "lq"])
    page.click("tonearm-player .play")
    wait_playing_past(page, 1.0)
    page.click("tonearm-player .qbtn")
    items = page.locator("tonearm-player .menu button")
    assert items.count() == 2
    label = items.nth(1).inner_text()
    assert "LQ" in label and "MP3" in label and "128 kbps" in label and "KB" in label
    before = state(page)["time"]
    items.nth(1).click()
    # a collection session plays gapless: the MP3 rung goes through Media Source Extensions
    page.wait_for_function(f"() => {PLAYER}.variant.variant.index === 'lq' && {PLAYER}._chain"
                           f" && {PLAYER}.audio.currentSrc.startsWith('blob:')")
    wait_playing_past(page, before + 0.3)
    assert state(page)["error"] is None
    assert page.locator("tonearm-player .qbtn").inner_text().lower() == "lq"


def test_next_track_and_track_list(page, catalog):
    open_embed(page, catalog, variants=["hq"])
    rows = page.locator("tonearm-player .list button")
    assert rows.count() == 3
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.3)
    page.click("tonearm-player .next")
    page.wait_for_function(f"() => {PLAYER}.shadowRoot.querySelector('.title').textContent === 'Second Wind'")
    wait_playing_past(page, 0.3)
    st = state(page)
    assert st["index"] == 1 and st["error"] is None
    assert rows.nth(1).get_attribute("aria-current") == "true"
    # the next track's payload was prefetched while the previous one played
    assert page.evaluate(f"{PLAYER}.cache.has({PLAYER}.tracks[2].id)")
    rows.nth(2).click()
    page.wait_for_function(f"() => {PLAYER}.shadowRoot.querySelector('.title').textContent === 'Third Coast'")


def test_download_when_allowed_with_the_track_name(page, catalog):
    open_embed(page, catalog, variants=["hq", "lq"], is_downloadable=True)
    button = page.locator("tonearm-player .download")
    assert button.is_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "Morning Light.m4a"
    assert download.failure() is None


def test_download_hidden_when_not_allowed(page, catalog):
    open_embed(page, catalog, variants=["hq"], is_downloadable=False)
    assert page.locator("tonearm-player .download").is_hidden()


def test_session_refresh_does_not_stop_playback(page, other_origin, catalog):
    url = other_origin("refresh.html", player_page(catalog, {
        "api-key": catalog.player_key, "scope": "collection", "id": catalog.collection_id,
        "variants": "hq", "session-ttl": 60, "api-url": catalog.server.url}))
    page.goto(url)
    page.wait_for_function(f"() => {PLAYER}?.payload")
    first_sid, first_src = state(page)["sid"], state(page)["src"]
    page.evaluate(f"{PLAYER}.audio.addEventListener('ended', () => window.__ended = true)")
    page.click("tonearm-player .play")
    wait_playing_past(page, 0.5)
    # the player renews 30 s before expires_at: watch for the second play session
    with page.expect_request(lambda r: r.method == "POST" and "/v1/play_session/" in r.url, timeout=45000):
        pass
    page.wait_for_function(f"() => {PLAYER}.sessionId !== '{first_sid}'", timeout=10000)
    wait_playing_past(page, 25, timeout=5000)  # it kept its place: no restart from zero
    before = state(page)["time"]
    wait_playing_past(page, before + 1.0)
    assert "_hq.m4a" in state(page)["src"] and state(page)["src"] != first_src  # freshly signed URL
    st = state(page)
    assert st["error"] is None and not st["paused"] and st["index"] == 0
    assert not page.evaluate("!!window.__ended")
    assert page.locator("tonearm-player .error").is_hidden()


def test_error_state_when_the_server_is_down(page, other_origin, tmp_path):
    import httpx

    from tests.audiogen import write_audio
    from tests.browser.conftest import upload_files, wait_ready
    from tests.e2e.server import ServerProcess

    srv = ServerProcess(tmp_path / "down").start()
    try:
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=30)
        col = api.post("/v1/collection", json={"title": "Short-lived"}).json()["collection"]
        ids = upload_files(srv, api, col["id"], [write_audio(tmp_path / "blip.wav", "wav", seconds=3.0)])
        wait_ready(api, ids)
        sid = api.post("/v1/play_session/track", json={"track_id": ids[0]}).json()["play_session_id"]
        url = other_origin("down.html", f'<!doctype html><html lang="en"><head><title>t</title>'
                           f'<script type="module" src="/components/player.js"></script></head>'
                           f'<body><tonearm-player api-url="{srv.url}" play-session-id="{sid}"></tonearm-player></body></html>')
        page.goto(url)
        page.wait_for_function(f"() => {PLAYER}?.payload")
        assert page.locator("tonearm-player .error").is_hidden()
        api.close()
    finally:
        srv.stop()
    page.reload()  # the embedding site is up, the audio server is not
    page.wait_for_function(f"() => {PLAYER}?.hasAttribute('error')")
    alert = page.locator("tonearm-player .error")
    assert alert.is_visible() and "reach the audio server" in alert.inner_text()
    assert page.locator("tonearm-player .retry").is_visible()
