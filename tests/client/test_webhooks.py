"""verify_webhook (SDK, written independently) against signatures made by the server's own signer."""

from __future__ import annotations

import json
import time

from tonearm.client import SIGNATURE_HEADER, Tonearm, verify_webhook
from tonearm.webhooks.signing import HEADER, sign

SECRET = "whsec_test_0123456789"
BODY = json.dumps({"event": "track.status_changed", "status": "ready", "track_id": "abc"}).encode()


def test_accepts_a_server_signature():
    assert SIGNATURE_HEADER == HEADER
    assert verify_webhook(SECRET, BODY, sign(SECRET, BODY)) is True
    assert verify_webhook(SECRET, BODY.decode(), sign(SECRET, BODY)) is True  # str bodies are encoded
    assert Tonearm.verify_webhook(SECRET, BODY, sign(SECRET, BODY)) is True


def test_rejects_tampering_wrong_secret_and_garbage():
    header = sign(SECRET, BODY)
    assert verify_webhook(SECRET, BODY + b" ", header) is False
    assert verify_webhook("whsec_other", BODY, header) is False
    t, v1 = header.split(",")
    assert verify_webhook(SECRET, BODY, f"{t},v1={'0' * 64}") is False
    for bad in ("", "garbage", "t=,v1=", t, "v1=" + v1.split("=")[1], "t=abc," + v1):
        assert verify_webhook(SECRET, BODY, bad) is False, bad
    assert verify_webhook(SECRET, BODY, None) is False


def test_timestamp_tolerance_is_300_seconds():
    now = int(time.time())
    old = sign(SECRET, BODY, timestamp=now - 301)
    recent = sign(SECRET, BODY, timestamp=now - 290)
    future = sign(SECRET, BODY, timestamp=now + 400)
    assert verify_webhook(SECRET, BODY, old, now=now) is False
    assert verify_webhook(SECRET, BODY, recent, now=now) is True
    assert verify_webhook(SECRET, BODY, future, now=now) is False
    assert verify_webhook(SECRET, BODY, old, now=now, tolerance=600) is True
