"""One class per API resource, shared by the sync and the async client.

A method builds a :class:`Call`; ``client._call`` runs it (returning the value on ``Tonearm``,
an awaitable on ``AsyncTonearm``) and ``client._paginate`` follows ``limit``/``offset`` until
``count`` (an iterator on ``Tonearm``, an async iterator on ``AsyncTonearm``)."""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import quote

from tonearm.client._http import Call, clean
from tonearm.client.models import (
    ApiKey,
    Collection,
    Creator,
    Download,
    Organization,
    Page,
    Playlist,
    PlaySession,
    PlayTrack,
    Track,
    TrackUpload,
    UploadHandle,
    UploadSession,
    Variant,
)

PAGE_SIZE = 100


def _id(value: Any) -> str:
    return quote(str(value), safe="")


def _page(key: str, model: type) -> Any:
    def parse(data: dict) -> Page:
        return Page[model](count=data.get("count", 0), limit=data.get("limit", 0), offset=data.get("offset", 0),
                           items=[model.model_validate(x) for x in data.get(key) or []])

    return parse


def _one(key: str, model: type) -> Any:
    return lambda data: model.model_validate(data[key])


class Resource:
    def __init__(self, client: Any):
        self._c = client


class Organizations(Resource):
    def get(self, organization_id: str) -> Organization:
        return self._c._call(Call("GET", f"/v1/organization/{_id(organization_id)}",
                                  parse=_one("organization", Organization)))

    def update(self, organization_id: str, **fields: Any) -> Organization:
        """Partial update (``name``, ``webhook_url``, ``webhook_url_file``, ``player_color``, ``theme`` …)."""
        return self._c._call(Call("PUT", f"/v1/organization/{_id(organization_id)}", json=fields,
                                  parse=_one("organization", Organization)))


class _Crud(Resource):
    path = ""
    key = ""
    plural = ""
    model: type = dict

    def list(self, *, limit: int | None = None, offset: int | None = None) -> Page:
        return self._c._call(Call("GET", self.path, params={"limit": limit, "offset": offset},
                                  parse=_page(self.plural, self.model)))

    def iter(self, *, page_size: int = PAGE_SIZE):
        """Every item, page by page."""
        return self._c._paginate(self.path, self.plural, self.model, {}, page_size)

    def get(self, id: str):
        return self._c._call(Call("GET", f"{self.path}/{_id(id)}", parse=_one(self.key, self.model)))

    def update(self, id: str, **fields: Any):
        """Partial update: only the fields given are sent (``None`` sets a field to null)."""
        return self._c._call(Call("PUT", f"{self.path}/{_id(id)}", json=fields, parse=_one(self.key, self.model)))

    def delete(self, id: str):
        """Delete; returns the deleted object as it was."""
        return self._c._call(Call("DELETE", f"{self.path}/{_id(id)}", parse=_one(f"deleted_{self.key}", self.model)))


class Creators(_Crud):
    path, key, plural, model = "/v1/creator", "creator", "creators", Creator

    def create(self, organization_index: str, *, metadata: dict | None = None) -> Creator:
        return self._c._call(Call("POST", self.path, json=clean({"organization_index": organization_index,
                                                                 "metadata": metadata}),
                                  parse=_one("creator", Creator)))


class Collections(_Crud):
    path, key, plural, model = "/v1/collection", "collection", "collections", Collection

    def create(self, title: str, *, creator_id: str | None = None, organization_index: str | None = None,
               metadata: dict | None = None, **fields: Any) -> Collection:
        body = clean({"title": title, "creator_id": creator_id, "organization_index": organization_index,
                      "metadata": metadata, **fields})
        return self._c._call(Call("POST", self.path, json=body, parse=_one("collection", Collection)))

    def tracks(self, collection_id: str, *, limit: int | None = None, offset: int | None = None) -> Page:
        """One page of the collection's tracks."""
        return self._c._call(Call("GET", f"{self.path}/{_id(collection_id)}/track",
                                  params={"limit": limit, "offset": offset}, parse=_page("tracks", Track)))

    def iter_tracks(self, collection_id: str, *, page_size: int = PAGE_SIZE):
        return self._c._paginate(f"{self.path}/{_id(collection_id)}/track", "tracks", Track, {}, page_size)

    def cover(self, collection_id: str) -> UploadHandle:
        """A fresh signed URL to POST the collection's cover image to."""
        return self._c._call(Call("POST", f"{self.path}/{_id(collection_id)}/cover",
                                  parse=_one("collection_cover_upload", UploadHandle)))


class Tracks(_Crud):
    path, key, plural, model = "/v1/track", "track", "tracks", Track

    def list(self, *, collection_id: str | None = None, playlist_id: str | None = None,
             limit: int | None = None, offset: int | None = None) -> Page:
        """Tracks of a collection or of a playlist (in playlist order)."""
        path = self._scope_path(collection_id, playlist_id)
        return self._c._call(Call("GET", path, params={"limit": limit, "offset": offset},
                                  parse=_page("tracks", Track)))

    def iter(self, *, collection_id: str | None = None, playlist_id: str | None = None,
             page_size: int = PAGE_SIZE):
        return self._c._paginate(self._scope_path(collection_id, playlist_id), "tracks", Track, {}, page_size)

    @staticmethod
    def _scope_path(collection_id: str | None, playlist_id: str | None) -> str:
        if (collection_id is None) == (playlist_id is None):
            raise ValueError("give exactly one of collection_id or playlist_id")
        if collection_id is not None:
            return f"/v1/collection/{_id(collection_id)}/track"
        return f"/v1/playlist/{_id(playlist_id)}/track"

    def create(self, collection_id: str, file_name: str, *, metadata: dict | None = None,
               file_size: int | None = None, **fields: Any) -> TrackUpload:
        """Create a track record and get its upload handles (``POST /v1/track``)."""
        body = clean({"collection_id": collection_id, "file_name": file_name, "metadata": metadata,
                      "file_size": file_size, **fields})
        return self._c._call(Call("POST", self.path, json=body, parse=TrackUpload.model_validate))

    def cover(self, track_id: str) -> UploadHandle:
        """A fresh signed URL to POST the track's cover image to."""
        return self._c._call(Call("POST", f"{self.path}/{_id(track_id)}/cover",
                                  parse=_one("track_cover_upload", UploadHandle)))

    def add_variant(self, track_id: str, index: str, variant_type_id: str = "transcode", **settings: Any) -> Variant:
        """A track-specific recipe (``codec``, ``bitrate``, preview settings…); reprocesses the track."""
        body = {"index": index, "variant_type_id": variant_type_id, **settings}
        return self._c._call(Call("POST", f"{self.path}/{_id(track_id)}/variant", json=body,
                                  parse=_one("variant", Variant)))


class Variants(_Crud):
    path, key, plural, model = "/v1/variant", "variant", "variants", Variant

    def list(self, *, track_id: str | None = None, limit: int | None = None, offset: int | None = None) -> Page:
        return self._c._call(Call("GET", self.path, params={"track_id": track_id, "limit": limit, "offset": offset},
                                  parse=_page("variants", Variant)))

    def iter(self, *, track_id: str | None = None, page_size: int = PAGE_SIZE):
        return self._c._paginate(self.path, "variants", Variant, clean({"track_id": track_id}), page_size)

    def create(self, index: str, variant_type_id: str = "transcode", **settings: Any) -> Variant:
        """Add a recipe to the organization's ladder (Tonearm addition)."""
        body = {"index": index, "variant_type_id": variant_type_id, **settings}
        return self._c._call(Call("POST", self.path, json=body, parse=_one("variant", Variant)))

    def update(self, id: str, **fields: Any):  # pragma: no cover - the API has no PUT for variants
        raise NotImplementedError("variants cannot be updated; delete and create instead")


class Playlists(_Crud):
    path, key, plural, model = "/v1/playlist", "playlist", "playlists", Playlist

    def create(self, title: str, *, track_ids: Sequence[str] | None = None, creator_id: str | None = None,
               organization_index: str | None = None, metadata: dict | None = None) -> Playlist:
        body = clean({"title": title, "track_ids": list(track_ids) if track_ids is not None else None,
                      "creator_id": creator_id, "organization_index": organization_index, "metadata": metadata})
        return self._c._call(Call("POST", self.path, json=body, parse=_one("playlist", Playlist)))

    def tracks(self, playlist_id: str, *, limit: int | None = None, offset: int | None = None) -> Page:
        return self._c._call(Call("GET", f"{self.path}/{_id(playlist_id)}/track",
                                  params={"limit": limit, "offset": offset}, parse=_page("tracks", Track)))

    def iter_tracks(self, playlist_id: str, *, page_size: int = PAGE_SIZE):
        return self._c._paginate(f"{self.path}/{_id(playlist_id)}/track", "tracks", Track, {}, page_size)

    def add_tracks(self, playlist_id: str, track_ids: Sequence[str], *, position: int | None = None) -> Playlist:
        body = clean({"track_ids": list(track_ids), "position": position})
        return self._c._call(Call("POST", f"{self.path}/{_id(playlist_id)}/track", json=body,
                                  parse=_one("playlist", Playlist)))

    def remove_track(self, playlist_id: str, track_id: str) -> Playlist:
        return self._c._call(Call("DELETE", f"{self.path}/{_id(playlist_id)}/track/{_id(track_id)}",
                                  parse=_one("playlist", Playlist)))


class UploadSessions(Resource):
    def create(self, collection_id: str | None = None, *, creator_id: str | None = None,
               organization_index: str | None = None, metadata: dict | None = None,
               expires_in: float | None = None, track: dict | None = None) -> UploadSession:
        body = clean({"collection_id": collection_id, "creator_id": creator_id,
                      "organization_index": organization_index, "metadata": metadata,
                      "expires_in": expires_in, "track": track})
        return self._c._call(Call("POST", "/v1/upload_session", json=body, parse=UploadSession.model_validate))

    def get(self, upload_session_id: str) -> UploadSession:
        return self._c._call(Call("GET", f"/v1/upload_session/{_id(upload_session_id)}", auth=False,
                                  parse=UploadSession.model_validate))

    def create_track(self, upload_session_id: str, file_name: str, *, metadata: dict | None = None,
                     file_size: int | None = None, **fields: Any) -> TrackUpload:
        """Add a track to the session (no key needed) and get its upload handles."""
        body = clean({"file_name": file_name, "metadata": metadata, "file_size": file_size, **fields})
        return self._c._call(Call("POST", f"/v1/upload/{_id(upload_session_id)}/track", json=body, auth=False,
                                  parse=TrackUpload.model_validate))


SCOPES = ("collection", "track", "playlist")


class PlaySessions(Resource):
    def create(self, scope: str, *, collection_id: str | None = None, track_id: str | None = None,
               playlist_id: str | None = None, variants: Sequence[str] | None = None,
               is_downloadable: bool | None = None, expires_in: float | None = None,
               organization_index: str | None = None, metadata: dict | None = None) -> PlaySession:
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        body = clean({"collection_id": collection_id, "track_id": track_id, "playlist_id": playlist_id,
                      "variants": list(variants) if variants is not None else None,
                      "is_downloadable": is_downloadable, "expires_in": expires_in,
                      "organization_index": organization_index, "metadata": metadata})
        return self._c._call(Call("POST", f"/v1/play_session/{scope}", json=body, parse=PlaySession.model_validate))

    def get(self, play_session_id: str) -> PlaySession:
        return self._c._call(Call("GET", f"/v1/play_session/{_id(play_session_id)}", auth=False,
                                  parse=PlaySession.model_validate))

    def play_track(self, play_session_id: str, track_id: str) -> PlayTrack:
        return self._c._call(Call("GET", f"/v1/play/{_id(play_session_id)}/{_id(track_id)}", auth=False,
                                  parse=PlayTrack.model_validate))

    def download(self, play_session_id: str, track_id: str, variant: str) -> Download:
        """A signed download URL (the session must be downloadable)."""
        return self._c._call(Call("GET", f"/v1/play/{_id(play_session_id)}/{_id(track_id)}/{_id(variant)}/download",
                                  auth=False, parse=_one("download", Download)))


class ApiKeys(Resource):
    def create(self, title: str, api_key_type_id: str, *, collection_id: str | None = None,
               track_id: str | None = None, creator_id: str | None = None,
               variants: Sequence[str] | None = None, expires_at: str | None = None) -> ApiKey:
        """Mint a ``player``, ``uploader`` or ``share`` key (needs an API Access key)."""
        body = clean({"title": title, "api_key_type_id": api_key_type_id, "collection_id": collection_id,
                      "track_id": track_id, "creator_id": creator_id,
                      "variants": list(variants) if variants is not None else None, "expires_at": expires_at})
        return self._c._call(Call("POST", "/v1/api_key", json=body, parse=ApiKey.model_validate))
