"""The dashboard lists webhook deliveries with their status and last error, and redelivers one
(in chromium against a real `tonearm serve`, axe-core on the panel with rows in it)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import AXE, CHROMIUM, axe_violations, browser, page  # noqa: F401  (fixtures)
from tests.e2e.server import ServerProcess
from tests.webhooks.outbox_helpers import add_row
from tests.webhooks.receivers import SlowReceiver
from tonearm.settings import Settings

SERIOUS = ("serious", "critical")


@pytest.fixture
def server(tmp_path):
    if not Path(CHROMIUM).exists() or not AXE.exists():
        pytest.skip("chromium or axe-core is missing: run scripts/browser-deps.sh")
    srv = ServerProcess(tmp_path / "data").start()
    yield srv
    srv.stop()


def test_dashboard_shows_deliveries_and_redelivers(server, page, tmp_path):  # noqa: F811
    receiver = SlowReceiver()
    try:
        org_id = httpx.post(f"{server.url}/v1/collection", json={"title": "Hooks"},
                            headers=server.headers).json()["collection"]["organization_id"]
        did = add_row(Settings(data_dir=tmp_path / "data"), uuid.UUID(org_id), receiver.url, status="failed",
                      attempts=6, last_status_code=500, last_error="HTTP 500")
        page.goto(f"{server.url}/dashboard")
        page.fill("#key", server.key)
        page.click("#keyform button[type=submit]")
        row = page.locator(f"#deliveries tr[data-id='{did}']")
        row.wait_for()
        assert row.locator(".status.failed").inner_text() == "failed"
        assert "HTTP 500" in row.locator("td.err").inner_text()
        page.mouse.move(0, 0)  # off the uploader (the pointer was left where the sign-in button was)
        assert [v for v in axe_violations(page) if v["impact"] in SERIOUS] == []
        row.locator("button", has_text="Redeliver").click()
        page.wait_for_selector(f"#deliveries tr[data-id='{did}'] .status.delivered", timeout=15000)
        assert receiver.ids() == [did]
        assert page.js_errors == []
    finally:
        receiver.close()
