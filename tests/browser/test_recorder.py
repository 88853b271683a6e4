"""<tonearm-recorder>: record from chromium's fake microphone, preview, upload, processed to ready."""

from __future__ import annotations

REC = "document.querySelector('tonearm-recorder')"


def test_record_preview_and_upload(page, catalog, other_origin):
    page.goto(other_origin("rec.html", f"""<!doctype html><html lang="en"><head><title>Rec</title>
<script type="module" src="/components/recorder.js"></script></head><body>
<tonearm-recorder api-url="{catalog.server.url}" api-key="{catalog.uploader_key}" collection-id="{catalog.collection_id}">
</tonearm-recorder><script>window.events = []; for (const t of ['recording-started', 'recording-stopped',
'file-uploaded', 'track-ready']) document.addEventListener(t, (e) => window.events.push([t, e.detail.track_id || null,
e.detail.file ? e.detail.file.type : null]));</script></body></html>"""))
    page.wait_for_function("() => customElements.get('tonearm-recorder')")
    page.click("tonearm-recorder .rec")
    page.wait_for_function(f"() => {REC}.hasAttribute('recording')")
    page.wait_for_timeout(1500)
    page.click("tonearm-recorder .rec")
    page.wait_for_function("() => window.events.some(e => e[0] === 'recording-stopped')")
    stopped = [e for e in page.evaluate("window.events") if e[0] == "recording-stopped"][0]
    assert stopped[2] == "audio/webm"
    assert page.locator("tonearm-recorder audio").is_visible()
    page.click("tonearm-recorder .up")
    page.wait_for_function("() => window.events.some(e => e[0] === 'track-ready')", timeout=60000)
    tid = [e for e in page.evaluate("window.events") if e[0] == "track-ready"][0][1]
    track = catalog.api.get(f"/v1/track/{tid}").json()["track"]
    assert track["track_status_id"] == "ready" and track["file_name"].endswith(".webm")
    assert track["duration"] > 0.8
    catalog.api.delete(f"/v1/track/{tid}")
