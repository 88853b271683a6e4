"""tus-js-client (npm, the browser build Tonearm ships under /static/vendor/) in Debian's Chromium,
from a page on another origin, against a real `tonearm serve` behind a proxy that drops every
connection at ~30 % and ~70 %: local disk and S3 (moto). Then <tonearm-uploader>: tus above its
`resumable-threshold`, resuming after a dropped connection and after a page reload."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.test_uploader import uploader_page
from tests.e2e.server import ServerProcess
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tests.uploads.cutproxy import CutProxy
from tests.uploads.tus_helpers import big_wav, start_server

MB = 1024 * 1024
CHUNK = 4 * MB


class Live:
    def __init__(self, root, env: dict[str, str] | None = None):
        self.proxy = CutProxy(0)
        self.server = ServerProcess(root / "data", env={"TONEARM_PUBLIC_URL": self.proxy.url,
                                                        "TONEARM_TUS_CHUNK_BYTES": str(CHUNK), **(env or {})})
        self.proxy.target = ("127.0.0.1", self.server.port)
        start_server(self.server)
        self.proxy.start()
        self.api = httpx.Client(base_url=self.server.url, headers=self.server.headers, timeout=30)
        self.collection_id = self.api.post("/v1/collection", json={"title": "tus"}).json()["collection_id"]
        r = self.api.post("/v1/api_key", json={"title": "up", "api_key_type_id": "uploader",
                                               "collection_id": self.collection_id})
        self.uploader_key = r.json()["api_key"]

    def resumable_track(self, size: int) -> dict:
        sid = self.api.post("/v1/upload_session", json={"collection_id": self.collection_id}).json()["upload_session_id"]
        return self.api.post(f"/v1/upload/{sid}/track", json={"file_name": "m.wav", "file_size": size}).json()

    def status(self, tid: str, timeout: float = 180) -> str:
        deadline, status = time.time() + timeout, None
        while time.time() < deadline:
            status = self.api.get(f"/v1/track/{tid}").json()["track"]["track_status_id"]
            if status in ("ready", "incomplete", "error", "init_error"):
                break
            time.sleep(0.3)
        return status

    def close(self) -> None:
        self.api.close()
        self.proxy.stop()
        self.server.stop()


@pytest.fixture(params=["local", "s3"])
def live(request, tmp_path):
    env = {}
    if request.param == "s3":
        env = {"TONEARM_STORAGE_URL": f"s3://{request.getfixturevalue('s3_bucket')}/tn",
               "TONEARM_S3_ENDPOINT_URL": request.getfixturevalue("s3_endpoint")}
    lv = Live(tmp_path, env)
    yield lv
    lv.close()


@pytest.fixture(scope="module")
def live_local(tmp_path_factory):
    lv = Live(tmp_path_factory.mktemp("tus-local"))
    yield lv
    lv.close()


TUS_PAGE = """<!doctype html><html lang="en"><head><title>tus</title>
<script src="{server}/static/vendor/tus-js-client-4.3.1.min.js"></script></head><body>
<input type="file" id="f" aria-label="file"><script>
document.getElementById('f').addEventListener('change', (e) => {{
  const file = e.target.files[0];
  const up = new tus.Upload(file, {{endpoint: {endpoint!r}, chunkSize: {chunk},
    retryDelays: [0, 500, 1000, 2000, 4000, 8000], metadata: {{filename: file.name}},
    onSuccess: () => {{ window.done = true; }}, onError: (err) => {{ window.failure = String(err); }}}});
  up.start();
}});
</script></body></html>"""


def test_tus_js_client_survives_two_dropped_connections(page, live, other_origin, tmp_path):
    size = 40 * MB
    path = big_wav(tmp_path / "master.wav", size)
    created = live.resumable_track(size)
    handle = created["track_upload_resumable"]
    url = other_origin(f"tus-{id(live)}.html", TUS_PAGE.format(server=live.proxy.url, endpoint=handle["url"],
                                                                chunk=handle["chunk_size"]))
    page.goto(url)
    assert page.evaluate("typeof tus.Upload") == "function" and page.evaluate("tus.isSupported")
    live.proxy.cut_at = [live.proxy.sent + int(size * 0.3), live.proxy.sent + int(size * 0.7)]
    before = live.proxy.sent
    page.locator("#f").set_input_files(str(path))
    page.wait_for_function("() => window.done || window.failure", timeout=120000)
    assert page.evaluate("window.failure") is None and live.proxy.cuts == 2
    # Resumed, not restarted (a restart after the 70 % cut alone would send ≥ 1.7 × the file). Each
    # drop costs the chunk in flight, and a PATCH answered 423 while the cut request still held the
    # upload costs another.
    assert live.proxy.sent - before < 1.5 * size
    assert live.status(created["track_id"]) == "ready"


def test_uploader_uses_tus_above_its_threshold_and_resumes_after_a_drop(page, live_local, other_origin, tmp_path):
    big = big_wav(tmp_path / "big.wav", 12 * MB)
    small = big_wav(tmp_path / "small.wav", MB // 2)
    methods: list[tuple[str, str]] = []
    page.on("request", lambda r: methods.append((r.method, r.url)))
    page.goto(other_origin("tus-uploader.html", uploader_page(
        live_local.proxy.url, f'api-key="{live_local.uploader_key}" collection-id="{live_local.collection_id}" '
                              'resumable-threshold="2097152"')))
    live_local.proxy.cut_at = [live_local.proxy.sent + 6 * MB]
    page.locator("tonearm-uploader input[type=file]").set_input_files([str(big), str(small)])
    page.wait_for_function("() => window.events.filter(e => e.type === 'track-ready').length === 2", timeout=120000)
    assert live_local.proxy.cuts == 1
    assert any(m == "PATCH" and "/tus/" in u for m, u in methods)  # the big file went through tus
    assert sum(m == "PUT" for m, _ in methods) == 1  # the small one through the plain PUT URL
    done = [e for e in page.evaluate("window.events") if e["type"] == "file-progress" and e["loaded"] == e["total"]]
    assert {e["name"] for e in done} == {"big.wav", "small.wav"}


def test_uploader_resumes_after_a_page_reload(page, live_local, other_origin, tmp_path):
    big = big_wav(tmp_path / "reload.wav", 14 * MB)
    site = other_origin("tus-reload.html", uploader_page(
        live_local.proxy.url, f'api-key="{live_local.uploader_key}" collection-id="{live_local.collection_id}"'
                              ' resumable-threshold="1048576"'))
    patches: list[str] = []

    def first_patch_only(route):
        if route.request.method == "PATCH":
            patches.append(route.request.headers.get("upload-offset"))
            if len(patches) > 1:
                route.abort("connectionreset")  # the network is gone after the first chunk
                return
        route.continue_()

    page.route("**/tus/**", first_patch_only)
    page.goto(site)
    page.locator("tonearm-uploader input[type=file]").set_input_files(str(big))
    page.wait_for_function("() => window.events.some(e => e.type === 'file-progress' && e.loaded >= 4194304)")
    while len(patches) < 3:  # the first chunk landed; retries are being refused
        page.wait_for_timeout(100)
    page.unroute("**/tus/**")
    seen: list[str | None] = []
    page.on("request", lambda r: seen.append(r.headers.get("upload-offset")) if r.method == "PATCH" else None)
    page.reload()
    page.evaluate("""() => { window.events = [];
      document.addEventListener('file-resumed', (e) => window.events.push({type: 'file-resumed',
        offset: e.detail.offset, track_id: e.detail.track_id})); }""")
    page.locator("tonearm-uploader input[type=file]").set_input_files(str(big))
    page.wait_for_function("() => window.events.some(e => e.type === 'track-ready')", timeout=120000)
    events = page.evaluate("window.events")
    resumed = [e for e in events if e["type"] == "file-resumed"]
    assert resumed and resumed[0]["offset"] == CHUNK  # continued from what the server had
    assert seen and seen[0] == str(CHUNK)
    ready = [e for e in events if e["type"] == "track-ready"][0]
    assert ready["track_id"] == resumed[0]["track_id"]  # the same track, not a second one
    progress = [e["loaded"] for e in events if e["type"] == "file-progress"]
    assert progress and min(progress) >= CHUNK  # the bar continues from the resumed offset
