"""client._http.retry_loop: the one retry loop both cores drive, exercised without any I/O."""

from __future__ import annotations

import httpx
import pytest

from tonearm.client import TonearmConnectionError
from tonearm.client._http import RetryPolicy, retry_loop


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://x/"))


def drive(loop, outcomes: list) -> tuple[object, list]:
    """Run the loop the way the cores do; return (what it returned, the pauses it asked for)."""
    pauses = []
    try:
        step = next(loop)
        while True:
            if step is None:
                step = loop.send(outcomes.pop(0))
            else:
                pauses.append(step)
                step = next(loop)
    except StopIteration as done:
        return done.value, pauses


def test_idempotent_calls_retry_until_success():
    retried = []
    ok = _response(200)
    loop = retry_loop(RetryPolicy(3, 0.5), "GET", "http://x", on_retry=lambda: retried.append(1))
    assert drive(loop, [_response(503), httpx.ConnectError("down"), ok]) == (ok, [0.5, 1.0])
    assert len(retried) == 2


def test_retries_run_out_with_the_last_response():
    last = _response(502)
    loop = retry_loop(RetryPolicy(2, 0.1), "PUT", "http://x")
    result, pauses = drive(loop, [_response(500), _response(504), last])
    assert result is last and pauses == pytest.approx([0.1, 0.2])


def test_post_and_4xx_and_retry_false_are_sent_once():
    for method, status, retry in (("POST", 503, True), ("GET", 404, True), ("GET", 503, False)):
        answer = _response(status)
        assert drive(retry_loop(RetryPolicy(5, 0.1), method, "http://x", retry=retry), [answer]) == (answer, [])


def test_retry_after_wins_over_backoff():
    loop = retry_loop(RetryPolicy(3, 0.1), "DELETE", "http://x")
    assert drive(loop, [_response(429, **{"Retry-After": "7"}), _response(200)])[1] == [7.0]


def test_connection_errors_end_in_tonearm_connection_error():
    loop = retry_loop(RetryPolicy(1, 0.1), "GET", "http://unreachable:1")
    with pytest.raises(TonearmConnectionError, match="unreachable:1") as info:
        drive(loop, [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
    assert "timed out" in str(info.value) and info.value.__suppress_context__
