"""Every file of the hostile media corpus reaches its expected terminal status, with a readable
reason when refused, and never takes the worker down: the process's peak RSS stays bounded."""

from __future__ import annotations

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


@pytest.mark.slow
def test_whole_corpus_in_one_batch_on_a_real_worker(tmp_path):
    """Every file of the corpus uploaded at once to a server whose jobs run in a separate
    `tonearm worker`: each reaches its expected status (the bad ones do not disturb the others),
    the worker survives the batch, and its peak RSS stays within 500 MB."""
    import time

    import httpx

    from tests.e2e.server import ServerProcess

    server = ServerProcess(tmp_path / "data", args=["--no-worker"]).start()
    worker = server.start_worker(tmp_path / "worker.log")
    try:
        api = httpx.Client(base_url=server.url, headers=server.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "corpus"}).json()["collection_id"]
        expected: dict[str, Case] = {}
        for case in CASES:
            work = tmp_path / case.id
            work.mkdir()
            path = case.make(work)
            created = api.post("/v1/track", json={"collection_id": col, "file_name": case.file_name or path.name})
            assert created.status_code == 200, (case.id, created.text)
            created = created.json()
            with open(path, "rb") as fh:
                r = httpx.put(created["track_upload"]["upload_url"], content=fh, timeout=60)
            if r.status_code != 200:
                assert f"http_{r.status_code}" in case.expect, (case.id, r.text)
                continue
            expected[created["track_id"]] = case
        deadline, statuses = time.time() + 600, {}
        while time.time() < deadline:
            statuses = {t: api.get(f"/v1/track/{t}").json()["track"] for t in expected}
            if all(tr["track_status_id"] in TERMINAL for tr in statuses.values()):
                break
            assert worker.poll() is None, "the worker died"
            time.sleep(0.5)
        wrong = {expected[t].id: (tr["track_status_id"], tr.get("status_text")) for t, tr in statuses.items()
                 if tr["track_status_id"] not in expected[t].expect}
        assert not wrong, wrong
        assert worker.poll() is None, "the worker died"
        status = open(f"/proc/{worker.pid}/status").read()
        peak_mb = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM:")).split()[1]) / 1024
        print(f"worker peak RSS over the corpus: {peak_mb:.0f} MB")
        assert peak_mb < 500, f"worker peak RSS {peak_mb:.0f} MB"
    finally:
        worker.terminate()
        worker.wait(20)
        server.stop()
    assert "Traceback" not in (tmp_path / "worker.log").read_text()
