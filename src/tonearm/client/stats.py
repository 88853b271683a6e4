"""Listening statistics (``GET /v1/stats``), shared by the sync and the async client."""

from __future__ import annotations

from typing import Any

from tonearm.client._http import Call, clean


class Stats:
    def __init__(self, client: Any):
        self._c = client

    def get(self, *, collection_id: str | None = None, track_id: str | None = None, creator_id: str | None = None,
            start: str | None = None, end: str | None = None, interval: str | None = None) -> dict:
        """Series per ``interval`` (hour, day, month), totals, top tracks and the app/device/country
        split between ``start`` and ``end`` (dates or ISO times, UTC); needs an API Access key."""
        params = clean({"collection_id": collection_id, "track_id": track_id, "creator_id": creator_id,
                        "from": start, "to": end, "interval": interval})
        return self._c._call(Call("GET", "/v1/stats", params=params,
                                  parse=lambda d: {k: v for k, v in d.items() if k not in ("ok", "api_request_id")}))
