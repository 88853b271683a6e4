"""Pages in chromium: the dashboard's flow, the share-key embed, and axe-core on embed and dashboard."""

from __future__ import annotations

from tests.browser.conftest import axe_violations

SERIOUS = ("serious", "critical")


def sign_in(page, catalog) -> None:
    page.goto(f"{catalog.server.url}/dashboard")
    page.fill("#key", catalog.server.key)
    page.click("#keyform button[type=submit]")
    page.wait_for_selector("#tracks .status")


def test_dashboard_lists_plays_and_mints_keys(page, catalog):
    sign_in(page, catalog)
    assert page.locator("#collections button[aria-current=true]").inner_text() == "Harbour Sessions"
    rows = page.locator("#tracks tr")
    assert rows.count() == 3
    assert page.locator("#tracks .status.ready").count() == 3
    assert page.evaluate("sessionStorage.getItem('tonearm.dashboard.key')") == catalog.server.key
    page.click("#tracks button[aria-label='Play Second Wind']")
    page.wait_for_function("() => document.querySelector('#preview tonearm-player')?.payload")
    assert page.locator("#preview tonearm-player .title").inner_text() == "Second Wind"
    assert page.locator("tonearm-uploader").count() == 1
    page.select_option("#ktype", "share")
    page.click("#keyform2 button[type=submit]")
    page.wait_for_selector("#keys .keyrow")
    text = page.locator("#keys .keyrow").first.inner_text()
    assert "/v1/share/tnm_" in text and "/embed/track/" in text
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=catalog.server.url)
    page.click("#keys .keyrow button[aria-label='Copy share link snippet']")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"{catalog.server.url}/v1/share/tnm_") and copied in text
    assert catalog.api.get(copied.replace(catalog.server.url, ""), follow_redirects=False).status_code == 302
    # the share snippet's iframe URL is a working embed page: its player opens a session for the key
    src = page.locator("#keys .keyrow pre").nth(1).inner_text().split('src="')[1].split('"')[0]
    page.goto(src)
    page.wait_for_function("() => document.querySelector('tonearm-player')?.payload")
    assert page.locator("tonearm-player .title").inner_text() == "Second Wind"
    assert "_hq.m4a" in page.evaluate("document.querySelector('tonearm-player').audio.src")
    # a reload in the same tab keeps the key; a wrong key is refused with a message
    page.goto(f"{catalog.server.url}/dashboard")
    page.wait_for_selector("#tracks .status")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.fill("#key", "tnm_wrong")
    page.click("#keyform button[type=submit]")
    page.wait_for_function("() => document.getElementById('keymsg').textContent.length > 0")
    assert page.locator("#workspace").is_hidden()


def test_axe_embed_page(page, catalog):
    ses = catalog.play_session(variants=["hq", "lq"])
    page.goto(f"{catalog.server.url}/embed/{ses['play_session_id']}")
    page.wait_for_function("() => document.querySelector('tonearm-player')?.payload")
    bad = [v for v in axe_violations(page) if v["impact"] in SERIOUS]
    assert bad == []


def test_axe_dashboard(page, catalog):
    page.goto(f"{catalog.server.url}/dashboard")
    assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
    sign_in(page, catalog)
    page.click("#tracks button[aria-label='Play Morning Light']")
    page.wait_for_function("() => document.querySelector('#preview tonearm-player')?.payload")
    bad = [v for v in axe_violations(page) if v["impact"] in SERIOUS]
    assert bad == []


def test_axe_dark_scheme_and_components_docs(browser, catalog):
    context = browser.new_context(color_scheme="dark", viewport={"width": 1100, "height": 800})
    page = context.new_page()
    try:
        ses = catalog.play_session(variants=["hq", "lq"], is_downloadable=True)
        page.goto(f"{catalog.server.url}/embed/{ses['play_session_id']}")
        page.wait_for_function("() => document.querySelector('tonearm-player')?.payload")
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
        page.goto(f"{catalog.server.url}/docs/components")
        page.wait_for_function("() => document.getElementById('demo-wave').levels.length === 320")
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
    finally:
        context.close()
