"""Podcast shows, episodes and private-feed subscribers (Tonearm extensions; docs/podcasts.md).

Answers are the API's JSON objects as dicts (``podcast``, ``episode``, ``subscriber``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tonearm.client._http import Call


def _id(value: Any) -> str:
    return quote(str(value), safe="")


class Podcasts:
    def __init__(self, client: Any):
        self._c = client

    def set_show(self, collection_id: str, **fields: Any):
        """Make the collection a show or change its fields (``title``, ``categories`` …); returns the show."""
        return self._c._call(Call("PUT", f"/v1/collection/{_id(collection_id)}", json={"podcast": fields},
                                  parse=lambda d: d["collection"]["podcast"]))

    def get_show(self, collection_id: str):
        return self._c._call(Call("GET", f"/v1/collection/{_id(collection_id)}/podcast",
                                  parse=lambda d: d["podcast"]))

    def set_episode(self, track_id: str, **fields: Any):
        """Set episode fields (``title``, ``pub_date``, ``description``, ``chapters`` …); returns the episode."""
        return self._c._call(Call("PUT", f"/v1/track/{_id(track_id)}", json={"episode": fields},
                                  parse=lambda d: d["track"]["episode"]))

    def set_chapters(self, track_id: str, chapters: dict):
        return self._c._call(Call("PUT", f"/v1/track/{_id(track_id)}/chapters", json=chapters,
                                  parse=lambda d: d["episode"]))

    def set_transcript(self, track_id: str, language: str, data: bytes):
        """Upload a WebVTT or SRT transcript in ``language`` (BCP 47)."""
        kind = "text/vtt" if data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT") else "application/x-subrip"
        return self._c._call(Call("PUT", f"/v1/track/{_id(track_id)}/transcript/{_id(language)}", content=data,
                                  headers={"Content-Type": kind}, parse=lambda d: d["episode"]))

    def add_subscriber(self, collection_id: str, **fields: Any):
        """A private show's new subscriber; the answer's ``feed_url`` carries its token (shown once)."""
        return self._c._call(Call("POST", f"/v1/collection/{_id(collection_id)}/subscriber", json=fields,
                                  parse=lambda d: d["subscriber"]))

    def list_subscribers(self, collection_id: str, *, limit: int | None = None, offset: int | None = None):
        return self._c._call(Call("GET", f"/v1/collection/{_id(collection_id)}/subscriber",
                                  params={"limit": limit, "offset": offset}, parse=lambda d: d["subscribers"]))

    def revoke_subscriber(self, collection_id: str, subscriber_id: str):
        return self._c._call(Call("DELETE", f"/v1/collection/{_id(collection_id)}/subscriber/{_id(subscriber_id)}",
                                  parse=lambda d: d["subscriber"]))
