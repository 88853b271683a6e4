"""`GET /v1/stats` filters at the edges of the calendar: a clear 400, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("query", [
    {"to": "0001-01-01"},  # the default `from` (30 days earlier) was out of range: a 500
    {"from": "0001-01-01", "to": "0001-01-02"},
    {"from": "1969-12-31", "to": "1970-01-02"},
    {"from": "9999-12-30", "to": "9999-12-31T23:59:59"},
])
def test_dates_outside_1970_to_9998_are_a_400(client, org, query):
    for path in ("/v1/stats", "/v1/stats/export.csv"):
        r = client.get(path, params=query, headers=org.headers)
        assert r.status_code == 400, (path, query, r.text)
        assert r.json()["message"].endswith("must lie between 1970 and 9998"), r.text


def test_dates_inside_the_range_are_answered(client, org):
    for query in ({"from": "1970-01-01", "to": "1970-01-02"}, {"from": "9998-12-01", "to": "9998-12-31"}):
        r = client.get("/v1/stats", params=query, headers=org.headers)
        assert r.status_code == 200 and r.json()["series"] == [], (query, r.text)
