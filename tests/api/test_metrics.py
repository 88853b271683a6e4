"""/metrics: Prometheus text with request timing by route template, job metrics, the token switch."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from tests.jobs.cluster import parse_metrics
from tonearm.api.app import create_app
from tonearm.jobs import metrics as job_metrics
from tonearm.jobs.queue import MemoryQueue


def _count(body: str, route: str, status: str, method: str = "GET") -> float:
    key = ("tonearm_http_request_duration_seconds_count",
           tuple(sorted({"method": method, "route": route, "status": status}.items())))
    return parse_metrics(body).get(key, 0.0)


def test_requests_are_timed_by_route_template(client, org):
    before = client.get("/metrics")
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    base = _count(before.text, "/v1/collection/{collection_id}", "404")
    for _ in range(3):
        client.get("/v1/collection/00000000-0000-0000-0000-00000000000" + "1", headers=org.headers)
    client.get("/no/such/route/" + "x" * 40)
    body = client.get("/metrics").text
    assert _count(body, "/v1/collection/{collection_id}", "404") == base + 3
    assert _count(body, "<unmatched>", "404") >= 1
    assert "00000000-0000-0000-0000-000000000001" not in body and "/no/such/route" not in body
    assert "tonearm_jobs_enqueued_total" in body and "tonearm_processing_seconds_per_audio_second" in body


def test_metrics_token_required_when_set(settings):
    settings.metrics_token = "m-" + "t" * 30
    with TestClient(create_app(settings, queue=MemoryQueue())) as c:
        denied = c.get("/metrics")
        assert denied.status_code == 401 and denied.json()["ok"] is False
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": f"Bearer {settings.metrics_token}"}).status_code == 200


def test_metrics_can_be_switched_off(settings):
    settings.metrics_enabled = False
    with TestClient(create_app(settings, queue=MemoryQueue())) as c:
        assert c.get("/metrics").status_code == 404
        assert c.get("/healthz").status_code == 200


def _value(name: str, labels: dict | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_job_metrics_count_runs_failures_and_speed():
    job = "test.metrics"
    started, failed = _value("tonearm_jobs_started_total", {"job": job}), _value("tonearm_jobs_failed_total", {"job": job})
    speed = _value("tonearm_processing_seconds_per_audio_second_count")
    with job_metrics.running(job):
        assert _value("tonearm_jobs_running", {"job": job}) == 1
        job_metrics.track_finished("ready", audio_seconds=120.0)
    with pytest.raises(RuntimeError), job_metrics.running(job):
        raise RuntimeError("boom")
    job_metrics.track_finished("error", audio_seconds=120.0)  # outside a job, and not a success: no speed sample
    assert _value("tonearm_jobs_started_total", {"job": job}) == started + 2
    assert _value("tonearm_jobs_failed_total", {"job": job}) == failed + 1
    assert _value("tonearm_jobs_running", {"job": job}) == 0
    assert _value("tonearm_processing_seconds_per_audio_second_count") == speed + 1
