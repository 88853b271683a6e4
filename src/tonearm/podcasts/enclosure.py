"""`GET|HEAD /e/{collection_id}/{track_id}/{variant}.{ext}`: the enclosure URL a feed names, stable
forever (apps keep it for years), unlike the short-lived signed /d/ URLs.

HEAD answers with the file's real length and type. GET goes through delivery/serve.py like /d/:
bytes with Range (direct), X-Accel-Redirect (accel), or a 302 to a freshly presigned URL
(redirect). Every answer's facts (range, user agent, subscriber, client address, status, bytes)
go to `report_download`, the one place the analytics stage will count downloads."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import FileResponse, Response

from tonearm.catalog.models import Track, TrackFile
from tonearm.delivery.ranges import parse_range
from tonearm.delivery.serve import serve
from tonearm.errors import ApiError, NotFound
from tonearm.podcasts.feed_routes import gate
from tonearm.podcasts.models import Show
from tonearm.storage.mime import content_type

router = APIRouter(tags=["podcasts"])


@dataclass(frozen=True, slots=True)
class DownloadFacts:
    """One request on an enclosure URL, as the app saw it (the client address is not stored here:
    whoever counts must hash or drop it)."""

    collection_id: uuid.UUID
    track_id: uuid.UUID
    variant: str
    method: str
    range: str | None
    user_agent: str | None
    subscriber_id: uuid.UUID | None
    client_address: str | None
    status: int
    bytes_sent: int | None  # what the response will send (Content-Length), None when unknown (redirects)


def report_download(request: Request, facts: DownloadFacts) -> None:
    """Hook for download analytics (issue 18): called once per enclosure request, after the answer
    is decided. It does nothing yet; the analytics stage is wired in here."""


def _file(db, collection_id: uuid.UUID, track_id: uuid.UUID, variant: str, ext: str) -> TrackFile:
    track = db.get(Track, track_id)
    if track is None or track.collection_id != collection_id:
        raise NotFound("No such episode")
    row = db.scalar(select(TrackFile).where(TrackFile.track_id == track_id, TrackFile.variant_index == variant,
                                            TrackFile.is_success.is_(True)))
    if row is None or not row.storage_key or not row.path.lower().endswith(f".{ext}"):
        raise NotFound("No such file")
    return row


def _facts(request: Request, ids: tuple, sub, status: int, sent: int | None) -> DownloadFacts:
    collection_id, track_id, variant = ids
    client = request.client.host if request.client else None
    return DownloadFacts(collection_id, track_id, variant, request.method, request.headers.get("range"),
                         request.headers.get("user-agent"), sub.id if sub else None, client, status, sent)


def _outcome(request: Request, response: Response) -> tuple[int, int | None]:
    """(status, bytes the response will send): a FileResponse applies Range only when it runs."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308) or "x-accel-redirect" in response.headers:
        return status, None
    if status == 304 or request.method == "HEAD":
        return status, 0
    if isinstance(response, FileResponse):
        size = os.path.getsize(response.path)
        rng = request.headers.get("range")
        if rng:
            return 206, sum(end - start for start, end in parse_range(rng, size))  # serve() accepted it
        return status, size
    length = response.headers.get("content-length")
    return status, int(length) if length is not None else None


@router.get("/e/{collection_id}/{track_id}/{variant}.{ext}", response_class=Response,
            responses={200: {"description": "The episode's audio"}, 206: {"description": "A byte range"},
                       302: {"description": "Redirect to a freshly signed URL (redirect delivery)"}})
def get_enclosure(collection_id: uuid.UUID, track_id: uuid.UUID, variant: str, ext: str, request: Request,
                  token: str | None = None):
    """An episode's audio at its stable enclosure URL (Tonearm extension); `?token=` for private shows."""
    rt = request.app.state.runtime
    ids, sub = (collection_id, track_id, variant), None
    try:
        with rt.sessionmaker() as db:
            sub = gate(db, db.get(Show, collection_id), token)
            row = _file(db, collection_id, track_id, variant, ext.lower())
            key = row.storage_key
        if request.method == "HEAD":
            info = rt.storage.stat(key)
            if info is None:
                raise NotFound("No such file")
            headers = {"Accept-Ranges": "bytes", "Content-Length": str(info.size)}
            response = Response(b"", headers=headers, media_type=content_type(ext.lower()))
        else:
            response = serve(request, key, f"{variant}.{ext.lower()}", {})
    except ApiError as exc:
        report_download(request, _facts(request, ids, sub, exc.status, None))
        raise
    report_download(request, _facts(request, ids, sub, *_outcome(request, response)))
    return response


router.add_api_route("/e/{collection_id}/{track_id}/{variant}.{ext}", get_enclosure, methods=["HEAD"],
                     include_in_schema=False, response_class=Response)
