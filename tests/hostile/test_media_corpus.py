"""Every file of the hostile media corpus reaches its expected terminal status, with a readable
reason when refused, and never takes the worker down: the process's peak RSS stays bounded."""

from __future__ import annotations

import resource

import pytest

from tests.helpers import create_collection, upload_bytes
from tests.hostile.media_corpus import CASES, Case

TERMINAL = {"ready", "incomplete", "error", "init_error", "http_400", "http_413"}


def _upload_file(client, org, path, name) -> dict:
    """The track after its upload (and inline processing); `http_4xx` when the upload URL refused it."""
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": name}, headers=org.headers)
    assert created.status_code == 200, created.text
    created = created.json()
    with open(path, "rb") as fh:
        r = upload_bytes(client, created["track_upload"]["upload_url"], fh.read())
    if 400 <= r.status_code < 500:
        body = r.json()
        assert body["ok"] is False and body["message"], r.text
        return {"track_status_id": f"http_{r.status_code}", "status_text": body["message"]}
    assert r.status_code == 200, r.text
    r = client.get(f"/v1/track/{created['track_id']}", headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["track"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_media(client, org, tmp_path, case: Case):
    path = case.make(tmp_path)
    track = _upload_file(client, org, path, case.file_name or path.name)
    status = track["track_status_id"]
    assert status in TERMINAL, f"{case.id}: left in {status}"
    assert status in case.expect, f"{case.id}: {status} ({track.get('status_text')}); expected {set(case.expect)}: {case.why}"
    if status != "ready":
        text = track.get("status_text") or ""
        assert 0 < len(text) < 500 and "Traceback" not in text, text
    if status in ("ready", "incomplete"):
        assert track["duration"] and track["duration"] > 0


def test_peak_memory_stays_bounded():
    """Runs after the corpus in this module: the whole test process (server + inline worker)."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 500, f"peak RSS {peak_mb:.0f} MB"
