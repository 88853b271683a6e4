"""<tonearm-waveform>: bars drawn from levels, colours from attributes, HiDPI, resize, seek events."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

LEVELS = [abs(((i * 37) % 100) - 50) / 50 for i in range(320)]


def waveform_page(catalog, attrs: str) -> str:
    return f"""<!doctype html><html lang="en"><head><title>Waveform</title>
<script type="module" src="{catalog.server.url}/static/components/waveform.js"></script>
<style>body{{margin:0;background:#fff}} tonearm-waveform{{width:600px;height:80px}}</style></head>
<body><main><tonearm-waveform {attrs}></tonearm-waveform></main></body></html>"""


def _load(page, catalog, other_origin, attrs: str, name: str) -> None:
    page.goto(other_origin(name, waveform_page(catalog, attrs)))
    page.wait_for_function("() => customElements.get('tonearm-waveform')")
    page.evaluate(f"document.querySelector('tonearm-waveform').levels = {LEVELS}")


def _colour_share(img: Image.Image, box, rgb, tol=40) -> float:
    px = np.asarray(img.crop(box).convert("RGB"), dtype=int).reshape(-1, 3)
    return float((np.abs(px - np.array(rgb)).max(axis=1) <= tol).mean())


def test_bars_follow_the_colour_attributes(page, catalog, other_origin):
    _load(page, catalog, other_origin, 'color="#d02020" progress-color="#10a040" duration="100" progress="50"', "wf.html")
    shot = Image.open(io.BytesIO(page.locator("tonearm-waveform").screenshot()))
    w, h = shot.size
    played = _colour_share(shot, (0, 0, w // 2 - 4, h), (0x10, 0xA0, 0x40))
    rest = _colour_share(shot, (w // 2 + 4, 0, w, h), (0xD0, 0x20, 0x20))
    assert played > 0.1 and rest > 0.1, (played, rest)  # bars drawn, in each colour on its side
    assert _colour_share(shot, (0, 0, w // 2 - 4, h), (0xD0, 0x20, 0x20)) < 0.01
    assert _colour_share(shot, (w // 2 + 4, 0, w, h), (0x10, 0xA0, 0x40)) < 0.01
    # changing an attribute redraws in the new colour
    page.evaluate("document.querySelector('tonearm-waveform').setAttribute('color', '#2040d0')")
    shot = Image.open(io.BytesIO(page.locator("tonearm-waveform").screenshot()))
    assert _colour_share(shot, (w // 2 + 4, 0, w, h), (0x20, 0x40, 0xD0)) > 0.1
    assert page.get_attribute("tonearm-waveform", "aria-valuenow") == "50"


def test_crisp_on_hidpi_and_redraws_on_resize(browser, catalog, other_origin):
    context = browser.new_context(device_scale_factor=2, viewport={"width": 900, "height": 400})
    page = context.new_page()
    try:
        _load(page, catalog, other_origin, "", "wf2.html")
        size = page.evaluate("""() => { const w = document.querySelector('tonearm-waveform');
            const c = w.shadowRoot.querySelector('canvas'); return [c.width, c.height, w.clientWidth]; }""")
        assert size == [1200, 160, 600]
        page.evaluate("document.querySelector('tonearm-waveform').style.width = '300px'")
        page.wait_for_function("() => document.querySelector('tonearm-waveform').shadowRoot.querySelector('canvas').width === 600")
    finally:
        context.close()


def test_click_and_keys_emit_seek(page, catalog, other_origin):
    _load(page, catalog, other_origin, 'duration="200"', "wf3.html")
    page.evaluate("""() => { window.seeks = [];
        document.querySelector('tonearm-waveform').addEventListener('seek', (e) => window.seeks.push(e.detail.time)); }""")
    box = page.locator("tonearm-waveform").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + 10)
    page.locator("tonearm-waveform").focus()
    page.keyboard.press("ArrowRight")
    seeks = page.evaluate("window.seeks")
    assert len(seeks) == 2
    assert abs(seeks[0] - 50) < 1.5 and abs(seeks[1] - (seeks[0] + 5)) < 0.01
    assert page.get_attribute("tonearm-waveform", "role") == "slider"
