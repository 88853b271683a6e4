"""Gapless playback and loudness normalisation, measured on the player's real output in chromium.

One continuous signal (a slow sweep plus a steady tone) is cut into three tracks at sample
positions off any codec frame grid; the player plays the collection while an AudioWorklet
records what comes out of the element. At each boundary the local alignment with the source
gives the gap, and the largest sample-to-sample step shows any click."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from tests.audiogen import write_audio
from tests.browser.conftest import upload_files, wait_ready
from tests.browser.gapless_rig import CUTS, RATE, RECORDER, TAKE, album_signal, decode_recording, measure
from tests.browser.test_player import PLAYER, player_page

FIGURES = os.environ.get("TONEARM_GAPLESS_FIGURES")  # a file to write the measured figures to


@pytest.fixture(scope="module")
def album(catalog, tmp_path_factory):
    root = tmp_path_factory.mktemp("gapless")
    api = catalog.api
    made = api.post("/v1/variant", json={"variant_type_id": "transcode", "index": "gapless", "codec": "aac",
                                         "bitrate": 192, "container": "cmaf"})
    assert made.status_code == 200, made.text
    col = api.post("/v1/collection", json={"title": "One Take"}).json()["collection"]
    signal = album_signal()
    paths = []
    for n in range(3):
        part = signal[CUTS[n]: CUTS[n + 1]].astype(np.float32)[None, :]
        paths.append(write_audio(root / f"{n + 1:02d} Part.flac", "flac", rate=RATE, samples=part,
                                 tags={"title": f"Part {n + 1}"}))
    ids = upload_files(catalog.server, api, col["id"], paths)
    wait_ready(api, ids)
    key = api.post("/v1/api_key", json={"title": "gapless player", "api_key_type_id": "player",
                                        "collection_id": col["id"]}).json()["api_key"]
    yield col["id"], key, signal
    api.delete(f"/v1/variant/{made.json()['variant_id']}")


def record_album(page, other_origin, catalog, album, **attrs) -> np.ndarray:
    col, key, _signal = album
    url = other_origin(f"gapless-{abs(hash(json.dumps(attrs, sort_keys=True)))}.html", player_page(catalog, {
        "api-key": key, "scope": "collection", "id": col, "api-url": catalog.server.url, **attrs}))
    page.goto(url)
    page.wait_for_function(f"() => {PLAYER}?.payload && {PLAYER}.audio.src")
    assert page.evaluate(f"(async () => ({RECORDER})({PLAYER}))()") == RATE
    page.evaluate(f"""() => {{ const p = {PLAYER}; window.__ended = false;
        p.addEventListener('ended', () => window.__ended = true); window.__recording = true; p.play(); }}""")
    page.wait_for_function("() => window.__ended", timeout=30000)
    page.wait_for_timeout(300)
    return decode_recording(page.evaluate(TAKE))


def _note(name: str, value) -> None:
    print(f"\n{name}: {json.dumps(value)}")
    if FIGURES:
        with open(FIGURES, "a") as f:
            f.write(json.dumps({name: value}) + "\n")


@pytest.mark.parametrize("variant", ["gapless", "lq"], ids=["aac-cmaf", "mp3"])
def test_boundaries_are_gapless_and_click_free(page, other_origin, catalog, album, variant):
    signal = album[2]
    rec = record_album(page, other_origin, catalog, album, variants=variant, gapless="", normalize="off")
    assert page.evaluate(f"!!{PLAYER}._chain"), "gapless did not use Media Source Extensions"
    bounds = measure(rec, signal)
    _note(f"gapless {variant}", bounds)
    for b in bounds:
        assert abs(b["gap_ms"]) <= 1.0, bounds
        assert b["jump"] <= 2 * b["own_step"], bounds
    assert page.js_errors == []


@pytest.mark.parametrize("variant", ["gapless", "hq", "lq"], ids=["aac-cmaf", "aac-m4a", "mp3"])
def test_element_switching_figures(page, other_origin, catalog, album, variant):
    """Today's player (gapless off): switching the element's src. Records the gap it leaves."""
    signal = album[2]
    rec = record_album(page, other_origin, catalog, album, variants=variant, gapless="false", normalize="off")
    assert not page.evaluate(f"!!{PLAYER}._chain")
    bounds = measure(rec, signal)
    _note(f"element switching {variant}", bounds)
    assert all(b["gap_ms"] > 1.0 or b["jump"] > 2 * b["own_step"] for b in bounds), bounds


def test_gapless_transport_and_fallback(page, other_origin, catalog, album):
    col, key, _signal = album
    attrs = {"api-key": key, "scope": "collection", "id": col, "api-url": catalog.server.url, "variants": "lq"}
    page.goto(other_origin("transport.html", player_page(catalog, attrs)))
    page.wait_for_function(f"() => {PLAYER}?.payload && {PLAYER}._chain")  # gapless by default for a collection
    title = f"{PLAYER}.shadowRoot.querySelector('.title').textContent"
    src = page.evaluate(f"{PLAYER}.audio.src")
    page.evaluate(f"{PLAYER}.play()")
    page.wait_for_function(f"() => {PLAYER}.index === 1 && {title} === 'Part 2'", timeout=10000)  # crossed on its own
    assert page.evaluate(f"{PLAYER}.audio.src") == src  # same MediaSource: no reload at the boundary
    assert 0 <= page.evaluate(f"{PLAYER}.position") < 1.9
    page.wait_for_function(f"() => {PLAYER}.cache.has({PLAYER}.tracks[2].id)")
    page.click("tonearm-player .next")
    page.wait_for_function(f"() => {PLAYER}.index === 2 && {title} === 'Part 3'")
    page.evaluate(f"{PLAYER}.seek(0.6)")
    assert abs(page.evaluate(f"{PLAYER}.position") - 0.6) < 0.05
    page.evaluate(f"{PLAYER}.select(0, {{autoplay: true}})")  # a jump back rebuilds the chain
    page.wait_for_function(f"() => {PLAYER}.index === 0 && !{PLAYER}.audio.paused && {PLAYER}.position > 0.3")
    assert page.js_errors == []
    # without Media Source Extensions the player switches the element's source as before
    page.add_init_script("delete window.MediaSource; delete window.ManagedMediaSource;")
    page.goto(other_origin("nomse.html", player_page(catalog, attrs)))
    page.wait_for_function(f"() => {PLAYER}?.payload && {PLAYER}.audio.src.includes('_lq.mp3')")
    assert not page.evaluate(f"!!{PLAYER}._chain")


# ------------------------------------------------------------------------------ normalisation

CEILING = 10 ** (-1 / 20)  # -1 dBTP


@pytest.fixture(scope="module")
def loudness_album(catalog, tmp_path_factory):
    """Three mono tracks: quiet (A), 10 dB louder (B), and quiet with -3 dBFS spikes (C)."""
    root = tmp_path_factory.mktemp("loudness")
    api = catalog.api
    col = api.post("/v1/collection", json={"title": "Loud and Quiet"}).json()["collection"]
    t = np.arange(int(1.6 * RATE)) / RATE
    quiet = 0.04 * np.sin(2 * np.pi * 1000 * t)
    spiky = quiet.copy()
    spiky[RATE // 2:: RATE // 4] = 0.7
    parts = [quiet, quiet * 10 ** (10 / 20), spiky]
    paths = [write_audio(root / f"{n}.flac", "flac", rate=RATE, samples=p.astype(np.float32)[None, :],
                         tags={"title": "ABC"[n]}) for n, p in enumerate(parts)]
    ids = upload_files(catalog.server, api, col["id"], paths)
    wait_ready(api, ids)
    key = api.post("/v1/api_key", json={"title": "loudness player", "api_key_type_id": "player",
                                        "collection_id": col["id"]}).json()["api_key"]
    return col["id"], key, None


def _segments(rec: np.ndarray) -> list[np.ndarray]:
    """Split the recording at the silences element switching leaves between tracks."""
    loud = np.abs(rec) > 1e-3
    idx = np.nonzero(loud)[0]
    cuts = np.nonzero(np.diff(idx) > 400)[0]
    starts, ends = np.r_[idx[0], idx[cuts + 1]], np.r_[idx[cuts], idx[-1]]
    return [rec[s:e] for s, e in zip(starts, ends) if e - s > RATE // 2]


def _level_db(seg: np.ndarray) -> float:
    mid = seg[len(seg) // 5: -len(seg) // 5]
    mid = mid[np.abs(mid) < 0.5 * np.max(np.abs(mid))] if np.max(np.abs(mid)) > 4 * np.median(np.abs(mid)) else mid
    return 20 * np.log10(np.sqrt(np.mean(mid * mid)))


@pytest.mark.parametrize("mode", ["track", "album", "off"])
def test_normalisation_modes_and_true_peak_ceiling(page, other_origin, catalog, loudness_album, mode):
    rec = record_album(page, other_origin, catalog, loudness_album, variants="original", gapless="false",
                       normalize=mode)
    segs = _segments(rec)
    assert len(segs) == 3, [len(s) for s in segs]
    a, b = _level_db(segs[0]), _level_db(segs[1])
    _note(f"normalize {mode}", {"A_dB": round(a, 2), "B_dB": round(b, 2), "peak": round(float(np.max(np.abs(rec))), 4)})
    if mode == "track":
        assert abs(a - b) < 1.0, (a, b)  # both brought to the target
    else:
        assert abs((b - a) - 10) < 1.0, (a, b)  # one gain for the album: the quiet track stays quieter
    if mode != "off":
        assert a > 20 * np.log10(0.04 / np.sqrt(2)) + 1.0  # A was boosted
    assert float(np.max(np.abs(rec))) <= CEILING + 1e-3  # never above -1 dBTP, spikes included
    assert page.js_errors == []
