"""<tonearm-uploader> on a page of another origin (CORS): three files, progress, then "ready"."""

from __future__ import annotations

from tests.audiogen import write_audio

UPLOADER = "document.querySelector('tonearm-uploader')"


def uploader_page(server_url: str, attrs: str, script: str = "/components/uploader.js") -> str:
    return f"""<!doctype html><html lang="en"><head><title>Upload</title>
<script type="module" src="{script}"></script></head><body><main>
<tonearm-uploader api-url="{server_url}" {attrs}></tonearm-uploader></main>
<script>
  window.events = [];
  for (const t of ['files-selected', 'file-uploaded', 'file-progress', 'track-ready', 'session-error'])
    document.addEventListener(t, (e) => window.events.push({{type: t, track_id: e.detail.track_id,
      loaded: e.detail.loaded, total: e.detail.total, name: e.detail.file && e.detail.file.name,
      count: e.detail.files && e.detail.files.length}}));
</script></body></html>"""


def test_three_files_from_another_origin_reach_ready(page, catalog, other_origin, tmp_path):
    files = [write_audio(tmp_path / f"take-{n}.{fmt}", fmt, seconds=2.0 + n, kind="noise", amp=0.3)
             for n, fmt in enumerate(("mp3", "wav", "flac"))]
    url = other_origin("upload.html", uploader_page(
        catalog.server.url, f'api-key="{catalog.uploader_key}" collection-id="{catalog.collection_id}" accent-color="#7a3cf0"'))
    assert not url.startswith(catalog.server.url)
    page.goto(url)
    page.locator("tonearm-uploader input[type=file]").set_input_files([str(f) for f in files])
    page.wait_for_function("() => window.events.filter(e => e.type === 'track-ready').length === 3", timeout=60000)
    events = page.evaluate("window.events")
    kinds = [e["type"] for e in events]
    assert kinds.count("files-selected") == 1 and events[0]["count"] == 3
    assert kinds.count("file-uploaded") == 3 and "session-error" not in kinds
    done = {e["name"] for e in events if e["type"] == "file-progress" and e["loaded"] == e["total"]}
    assert done == {f.name for f in files}  # progress reported up to 100 % for every file
    rows = page.locator("tonearm-uploader li")
    assert rows.count() == 3
    for n in range(3):
        assert rows.nth(n).get_attribute("data-state") == "ready"
        assert "Ready" in rows.nth(n).inner_text()
        assert rows.nth(n).locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    # the tracks really are in the collection, processed
    ready_ids = {e["track_id"] for e in events if e["type"] == "track-ready"}
    for tid in ready_ids:
        track = catalog.api.get(f"/v1/track/{tid}").json()["track"]
        assert track["collection_id"] == catalog.collection_id and track["track_status_id"] == "ready"
        catalog.api.delete(f"/v1/track/{tid}")  # keep the shared catalog as the player tests expect it


def test_bad_key_reports_a_session_error_and_offers_retry(page, catalog, other_origin, tmp_path):
    f = write_audio(tmp_path / "x.wav", "wav", seconds=1.0)
    page.goto(other_origin("bad.html", uploader_page(catalog.server.url, 'api-key="tnm_nope" collection-id="x"')))
    page.locator("tonearm-uploader input[type=file]").set_input_files(str(f))
    page.wait_for_function("() => window.events.some(e => e.type === 'session-error')")
    row = page.locator("tonearm-uploader li")
    row.locator("button").wait_for()
    assert row.get_attribute("data-state") == "failed" and "Retry" in row.inner_text()


def test_non_audio_files_are_ignored_and_limit_applies(page, catalog, other_origin, tmp_path):
    (tmp_path / "notes.txt").write_text("not audio")
    audio = [write_audio(tmp_path / f"a{n}.wav", "wav", seconds=0.5) for n in range(3)]
    page.goto(other_origin("limit.html", uploader_page(catalog.server.url, 'upload-session-id="00000000-0000-0000-0000-000000000000" limit="2"')))
    page.locator("tonearm-uploader input[type=file]").set_input_files([str(tmp_path / "notes.txt"), *map(str, audio)])
    page.wait_for_function("() => window.events.length > 0")
    assert page.evaluate("window.events[0].count") == 2
    assert page.locator("tonearm-uploader li").count() == 2


def test_drop_then_retry_a_failed_upload(page, catalog, other_origin, tmp_path):
    site = other_origin("drop.html", uploader_page(
        catalog.server.url, f'api-key="{catalog.uploader_key}" collection-id="{catalog.collection_id}"'))
    audio = write_audio(tmp_path / "dropped.wav", "wav", seconds=1.5)
    page.goto(site)
    count = catalog.api.get(f"/v1/collection/{catalog.collection_id}/track").json()["count"]
    failed = []

    def fail_first_put(route):
        if route.request.method == "PUT" and not failed:
            failed.append(route.request.url)
            route.fulfill(status=500, content_type="application/json",
                          body='{"ok": false, "message": "Disk hiccup", "api_request_id": "x"}')
        else:
            route.continue_()

    page.route("**/u/**", fail_first_put)
    data = list(audio.read_bytes())
    page.evaluate("""(bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'dropped.wav', {type: 'audio/wav'}));
        const zone = document.querySelector('tonearm-uploader').shadowRoot.querySelector('.drop');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", data)
    row = page.locator("tonearm-uploader li")
    row.locator("button").wait_for()
    assert row.get_attribute("data-state") == "failed" and "Disk hiccup" in row.inner_text() and failed
    row.locator("button").click()
    page.wait_for_function("() => window.events.some(e => e.type === 'track-ready')", timeout=60000)
    assert row.get_attribute("data-state") == "ready"
    tid = [e for e in page.evaluate("window.events") if e["type"] == "track-ready"][0]["track_id"]
    # the retry reused the track and its upload URL: one new track, not an orphan plus a copy
    assert catalog.api.get(f"/v1/collection/{catalog.collection_id}/track").json()["count"] == count + 1
    assert catalog.api.get(f"/v1/track/{tid}").json()["track"]["file_name"] == "dropped.wav"
    catalog.api.delete(f"/v1/track/{tid}")
