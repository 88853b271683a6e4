"""AudioDN's tag names: a page written for AudioDN's components (`<audiodn-player>`,
`<audiodn-uploader>`, …) works with Tonearm's scripts, same attributes."""

from __future__ import annotations

import html


def _page(catalog, script: str, tag: str, attrs: dict) -> str:
    tags = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    return (f'<!doctype html><html lang="en"><head><title>AudioDN page</title>'
            f'<script type="module" src="{catalog.server.url}/static/components/{script}"></script></head>'
            f'<body><main><{tag} {tags}></{tag}></main></body></html>')


def test_audiodn_player_tag_plays(page, other_origin, catalog):
    page.goto(other_origin("adn-player.html", _page(catalog, "player.js", "audiodn-player", {
        "api-key": catalog.player_key, "scope": "collection", "id": catalog.collection_id, "variants": "hq,lq",
        "api-url": catalog.server.url})))
    player = "document.querySelector('audiodn-player')"
    page.wait_for_function(f"() => {player}?.payload && {player}.audio.src")
    page.click("audiodn-player .play")
    page.wait_for_function(f"() => !{player}.audio.paused && {player}.audio.currentTime > 0.3", timeout=20000)
    defined = page.evaluate("() => ['audiodn-player', 'audiodn-waveform', 'tonearm-player']"
                            ".map((n) => !!customElements.get(n))")
    assert defined == [True, True, True]


def test_audiodn_uploader_and_recorder_tags_are_defined(page, other_origin, catalog):
    body = (f'<!doctype html><html lang="en"><head><title>AudioDN uploader</title>'
            f'<script type="module" src="{catalog.server.url}/static/components/uploader.js"></script>'
            f'<script type="module" src="{catalog.server.url}/static/components/recorder.js"></script></head>'
            f'<body><main><audiodn-uploader api-url="{catalog.server.url}" api-key="{catalog.uploader_key}" '
            f'collection-id="{catalog.collection_id}"></audiodn-uploader></main></body></html>')
    page.goto(other_origin("adn-uploader.html", body))
    page.wait_for_function("() => customElements.get('audiodn-uploader') && customElements.get('audiodn-recorder')")
    assert page.locator("audiodn-uploader input[type=file]").count() == 1
