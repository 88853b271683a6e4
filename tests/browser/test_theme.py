"""The theme tokens every component shares (base.js): the same values in the player, uploader and
recorder, the `theme` attribute over the OS scheme, and axe-core's contrast checks in each mode."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import SERIOUS

TOKENS = ("--bg", "--fg", "--muted", "--line", "--soft", "--on-accent", "--danger", "--danger-soft")
BG = {"light": "#fff", "dark": "#16181d"}


def themed_page(catalog, sid: str, theme: str | None) -> str:
    url = catalog.server.url
    t = f' theme="{theme}"' if theme else ""
    return f"""<!doctype html><html lang="en"><head><title>Themes</title>
<script type="module" src="/components/player.js"></script>
<script type="module" src="/components/uploader.js"></script>
<script type="module" src="/components/recorder.js"></script></head><body><main>
<tonearm-player data-t="ok" aria-label="Player" api-url="{url}" play-session-id="{sid}"{t}></tonearm-player>
<tonearm-player data-t="gone" aria-label="Broken player" api-url="{url}" play-session-id="nope"{t}></tonearm-player>
<tonearm-uploader api-url="{url}"{t}></tonearm-uploader>
<tonearm-recorder api-url="{url}"{t}></tonearm-recorder></main></body></html>"""


@pytest.mark.parametrize(("scheme", "theme", "mode"), [
    ("light", None, "light"), ("dark", None, "dark"), ("light", "dark", "dark"), ("dark", "light", "light"),
])
def test_tokens_are_shared_and_contrast_passes(browser, catalog, other_origin, scheme, theme, mode):
    sid = catalog.play_session(variants=["hq", "lq"])["play_session_id"]
    context = browser.new_context(color_scheme=scheme, viewport={"width": 900, "height": 1200})
    page = context.new_page()
    try:
        page.goto(other_origin(f"theme-{scheme}-{theme}.html", themed_page(catalog, sid, theme)))
        page.wait_for_function("() => document.querySelector('[data-t=ok]')?.payload"
                               " && document.querySelector('[data-t=gone]').hasAttribute('error')")
        # a failed upload (no key): its message is drawn in --danger
        page.evaluate("document.querySelector('tonearm-uploader').addFiles("
                      "[new File([new Uint8Array(64)], 'take.mp3', {type: 'audio/mpeg'})])")
        page.wait_for_selector("tonearm-uploader li[data-state=failed] button")
        tokens = page.evaluate("""(names) => ['[data-t=ok]', 'tonearm-uploader', 'tonearm-recorder'].map((s) => {
            const cs = getComputedStyle(document.querySelector(s));
            return Object.fromEntries(names.map((n) => [n, cs.getPropertyValue(n).trim()])); })""", list(TOKENS))
        assert tokens[0] == tokens[1] == tokens[2]
        assert tokens[0]["--bg"] == BG[mode]
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
        # the recorder while recording (status in its accent), then with its take (Upload on the accent)
        page.click("tonearm-recorder .rec")
        page.wait_for_function("() => document.querySelector('tonearm-recorder').hasAttribute('recording')")
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
        page.click("tonearm-recorder .rec")
        page.wait_for_selector("tonearm-recorder .up:not([hidden])")
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
    finally:
        context.close()
