"""Regenerate docs/screenshots/*.png: a real `tonearm serve` with generated, processed tracks, shown
in Debian's chromium through Playwright (run scripts/browser-deps.sh first).

    .venv/bin/python scripts/screenshots.py          # all of them
    .venv/bin/python scripts/screenshots.py stats    # only stats.png (short tracks, three weeks of listening)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audiogen import image_bytes, write_audio  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM, upload_files, wait_ready  # noqa: E402
from tests.browser.stats_traffic import live, roll, runtime_of, synthetic  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ALBUM = [("Harbour Lights", 168.0, (214, 92, 54), 220.0), ("Salt and Cedar", 134.0, (40, 120, 160), 330.0),
         ("Low Tide Radio", 201.0, (120, 70, 170), 275.0), ("Northbound", 95.0, (30, 140, 90), 410.0)]


def music(seconds: float, tone: float, rate: int = 44100) -> np.ndarray:
    """A stereo signal whose loudness moves like a song (phrases, beats, fades), for a lively waveform."""
    t = np.arange(int(seconds * rate)) / rate
    carrier = sum(np.sin(2 * np.pi * tone * k * t) / k for k in (1, 2, 3))
    phrases = 0.35 + 0.65 * np.abs(np.sin(np.pi * t / 13.0)) ** 0.7
    beats = 0.75 + 0.25 * np.abs(np.sin(2 * np.pi * 1.1 * t))
    fade = np.clip(t / 4.0, 0, 1) * np.clip((seconds - t) / 6.0, 0, 1)
    mono = (0.4 * carrier * phrases * beats * fade).astype(np.float32)
    return np.stack([mono, mono * 0.95])


def cover(colour: tuple[int, int, int], size: int = 600) -> bytes:
    """A sunset-over-water cover in the track's colour."""
    top = np.array(colour, dtype=float)
    bottom = top * 0.25
    ramp = np.linspace(0, 1, size)[:, None, None]
    img = Image.fromarray((top * (1 - ramp) + bottom * ramp).astype(np.uint8).repeat(size, axis=1))
    draw = ImageDraw.Draw(img, "RGBA")
    draw.ellipse((size * 0.28, size * 0.22, size * 0.72, size * 0.66), fill=(255, 236, 200, 210))
    draw.rectangle((0, size * 0.5, size, size), fill=(10, 20, 40, 150))
    for n in range(9):
        y = size * (0.54 + n * 0.05)
        draw.line((size * (0.2 + n * 0.02), y, size * (0.8 - n * 0.02), y), fill=(255, 236, 200, 90 - n * 8), width=4)
    return image_bytes(img, "JPEG", quality=92)


def catalog(srv: ServerProcess, work: Path, short: bool = False) -> tuple[httpx.Client, str, list[str]]:
    api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
    col = api.post("/v1/collection", json={"title": "Coastal Recordings"}).json()["collection"]
    paths = [write_audio(work / f"{title}.mp3", "mp3", samples=music(20.0 if short else seconds, tone),
                         tags={"title": title, "artist": "Marea Quartet"}, cover=cover(colour))
             for title, seconds, colour, tone in ALBUM]
    ids = upload_files(srv, api, col["id"], paths)
    wait_ready(api, ids, timeout=300)
    return api, col["id"], ids


def main(only: str = "") -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        srv = ServerProcess(work / "data").start()
        try:
            api, col, ids = catalog(srv, work, short=only == "stats")
            if only == "stats":
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                    shoot_stats(browser, srv, api, col, ids)
                    browser.close()
                return
            sid = api.post("/v1/play_session/collection", json={"collection_id": col, "variants": ["hq", "lq"],
                                                               "is_downloadable": True}).json()["play_session_id"]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                shoot_player(browser, srv, sid)
                shoot_dashboard(browser, srv, work)
                shoot_stats(browser, srv, api, col, ids)
                browser.close()
        finally:
            srv.stop()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


def _player_ready(page, when: float = 0.38) -> None:
    page.wait_for_function("() => document.querySelector('tonearm-player')?.payload")
    page.evaluate(f"() => {{ const p = document.querySelector('tonearm-player'); p.seek(p.duration * {when}); }}")
    page.wait_for_timeout(400)


def shoot_player(browser, srv: ServerProcess, sid: str) -> None:
    for scheme, name in (("light", "player.png"), ("dark", "player-dark.png")):
        ctx = browser.new_context(viewport={"width": 720, "height": 420}, device_scale_factor=2, color_scheme=scheme)
        page = ctx.new_page()
        page.goto(f"{srv.url}/embed/{sid}")
        _player_ready(page)
        page.add_style_tag(content="body.embed main{padding:24px;min-height:0;background:%s}"
                           % ("#eef1f6" if scheme == "light" else "#0b0d11"))
        page.locator("main").screenshot(path=str(OUT / name))
        ctx.close()


def shoot_dashboard(browser, srv: ServerProcess, work: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = ctx.new_page()
    page.goto(f"{srv.url}/dashboard")
    page.fill("#key", srv.key)
    page.click("#keyform button[type=submit]")
    page.wait_for_selector("#tracks .status.ready")
    takes = [write_audio(work / f"Take {n}.wav", "wav", seconds=4.0 + n, kind="noise", amp=0.2) for n in (1, 2, 3)]
    page.locator("tonearm-uploader input[type=file]").set_input_files([str(t) for t in takes])
    page.wait_for_function("() => document.querySelectorAll('#tracks tr').length >= 7", timeout=60000)
    deadline = time.time() + 60
    while time.time() < deadline and page.locator("tonearm-uploader li[data-state=ready]").count() < 3:
        page.wait_for_timeout(250)
    page.locator("tonearm-uploader").screenshot(path=str(OUT / "uploader.png"))
    page.click("#tracks button[aria-label='Play Harbour Lights']")
    _player_ready(page, 0.2)
    page.select_option("#ktype", "player")
    page.click("#keyform2 button[type=submit]")
    page.wait_for_selector("#keys .keyrow")
    page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
    ctx.close()


def shoot_stats(browser, srv: ServerProcess, api: httpx.Client, col: str, ids: list[str]) -> None:
    live(srv, api, col, ids)
    rt = runtime_of(srv.data_dir, srv.env["TONEARM_SECRET_KEY"])
    synthetic(rt, ids)
    time.sleep(2.5)  # the server's recorder writes the live events within a second
    roll(rt, days=22)
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = ctx.new_page()
    page.goto(f"{srv.url}/dashboard/stats")
    page.fill("#key", srv.key)
    page.click("#keyform button[type=submit]")
    page.wait_for_selector("#top tr td")
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / "stats.png"), full_page=True)
    ctx.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
