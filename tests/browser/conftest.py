"""Browser tests: Debian's chromium driven by Playwright, against a real `tonearm serve` with
processed tracks. The server, the catalog and the browser are built once per session."""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.audiogen import cover_jpeg, write_audio
from tests.e2e.server import ServerProcess

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic",
        # the recorder's test records from chromium's fake microphone (a beep), without a prompt
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# (file name, seconds, title tag, tone) — the first is long enough to outlive a 60 s session's refresh.
TRACKS = [("Morning Light.mp3", 42.0, "Morning Light", 330.0), ("Second Wind.mp3", 9.0, "Second Wind", 440.0),
          ("Third Coast.mp3", 7.0, "Third Coast", 550.0)]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's chromium with Playwright against a real server")


def pytest_collection_modifyitems(items):
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class Catalog:
    server: ServerProcess
    api: httpx.Client
    collection_id: str
    track_ids: list[str]
    player_key: str
    uploader_key: str
    extra: dict = field(default_factory=dict)

    def play_session(self, scope: str = "collection", **body) -> dict:
        target = {"collection": {"collection_id": self.collection_id},
                  "track": {"track_id": self.track_ids[0]}}[scope]
        resp = self.api.post(f"/v1/play_session/{scope}", json={**target, **body})
        assert resp.status_code == 200, resp.text
        return resp.json()


def wait_ready(api: httpx.Client, track_ids: list[str], timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    pending = set(track_ids)
    while pending and time.time() < deadline:
        for tid in list(pending):
            status = api.get(f"/v1/track/{tid}").json()["track"]["track_status_id"]
            assert status not in ("error", "init_error"), status
            if status == "ready":
                pending.discard(tid)
        time.sleep(0.2)
    assert not pending, f"tracks not ready: {pending}"


def upload_files(srv: ServerProcess, api: httpx.Client, collection_id: str, paths: list[Path]) -> list[str]:
    ses = api.post("/v1/upload_session", json={"collection_id": collection_id}).json()["upload_session_id"]
    ids = []
    for path in paths:
        created = httpx.post(f"{srv.url}/v1/upload/{ses}/track", json={"file_name": path.name}).json()
        assert httpx.put(created["track_upload"]["upload_url"], content=path.read_bytes(), timeout=60).status_code == 200
        ids.append(created["track_id"])
    return ids


@pytest.fixture(scope="package")
def catalog(tmp_path_factory) -> Catalog:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/browser-deps.sh")
    root = tmp_path_factory.mktemp("browser")
    srv = ServerProcess(root / "data").start()
    api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=30)
    try:
        col = api.post("/v1/collection", json={"title": "Harbour Sessions"}).json()["collection"]
        paths = []
        for n, (name, seconds, title, tone) in enumerate(TRACKS):
            paths.append(write_audio(root / name, "mp3", seconds=seconds, kind="ramp", freq=tone,
                                     tags={"title": title, "artist": "The Tonearms"},
                                     cover=cover_jpeg(400, (40 + 60 * n, 90, 170 - 40 * n))))
        ids = upload_files(srv, api, col["id"], paths)
        wait_ready(api, ids)
        keys = {}
        for kind in ("player", "uploader"):
            resp = api.post("/v1/api_key", json={"title": f"browser {kind}", "api_key_type_id": kind,
                                                 "collection_id": col["id"]})
            assert resp.status_code == 200, resp.text
            keys[kind] = resp.json()["api_key"]
        yield Catalog(srv, api, col["id"], ids, keys["player"], keys["uploader"])
    finally:
        api.close()
        srv.stop()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 900, "height": 700}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(20000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="package")
def other_origin(tmp_path_factory):
    """A static site on another origin (another port): pages there embed the components cross-origin."""
    root = tmp_path_factory.mktemp("site")
    from tonearm.web.routes import STATIC_DIR

    shutil.copytree(STATIC_DIR / "components", root / "components")  # a site that hosts its own copy
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: _Quiet(*a, directory=str(root), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(name: str, html: str) -> str:
        (root / name).write_text(html)
        return f"http://127.0.0.1:{server.server_address[1]}/{name}"

    yield publish
    server.shutdown()
    server.server_close()
    shutil.rmtree(root, ignore_errors=True)


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/browser-deps.sh")
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
