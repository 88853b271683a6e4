"""The dashboard's Statistics view in chromium: real listening traffic, rolled up, drawn by uPlot;
filters, CSV download, axe-core."""

from __future__ import annotations

import time

from tests.browser.conftest import axe_violations
from tests.browser.stats_traffic import live, roll, runtime_of

SERIOUS = ("serious", "critical")


def test_statistics_view_draws_the_rollups(page, catalog):
    live(catalog.server, catalog.api, catalog.collection_id, catalog.track_ids)
    time.sleep(2.5)  # the server's recorder writes its buffer every second
    rt = runtime_of(catalog.server.data_dir, "e2e-secret")
    roll(rt)
    page.goto(f"{catalog.server.url}/dashboard/stats")
    page.fill("#key", catalog.server.key)
    page.click("#keyform button[type=submit]")
    page.wait_for_selector("#top tr td")
    totals = page.locator("#totals").inner_text()
    assert "Downloads (IAB)" in totals
    downloads = int(page.locator("#totals div").nth(2).locator("strong").inner_text())
    assert downloads >= 2 + 3 + 4  # each track's listeners (n + 2 of them, different networks)
    assert page.locator("#series-chart canvas").count() == 1 and page.locator("#top-chart canvas").count() == 1
    assert page.locator("#top tr").count() == 3
    # filter to one track: the top list follows
    page.select_option("#f-col", catalog.collection_id)
    page.wait_for_function("() => document.querySelectorAll('#f-track option').length > 1")
    page.select_option("#f-track", catalog.track_ids[0])
    page.wait_for_function("() => document.querySelectorAll('#top tr').length === 1")
    with page.expect_download() as dl:
        page.click("#csv")
    text = open(dl.value.path()).read()
    assert text.startswith("time,plays,listeners,downloads")
    assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
    assert page.js_errors == []
