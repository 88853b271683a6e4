"""`GET|HEAD /e/{collection_id}/{track_id}/{variant}.{ext}`: the enclosure URL a feed names, stable
forever (apps keep it for years), unlike the short-lived signed /d/ URLs.

HEAD answers with the file's real length and type. GET goes through delivery/serve.py like /d/:
bytes with Range (direct), X-Accel-Redirect (accel), or a 302 to a freshly presigned URL
(redirect). Every answer, refusals included, is recorded for listening analytics
(`analytics.record_delivery`, as the /d/ routes are) once its bytes have left."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from tonearm.analytics import DeliveryFacts, record_delivery
from tonearm.catalog.models import Track, TrackFile
from tonearm.delivery.serve import Metered, serve
from tonearm.errors import ApiError, NotFound
from tonearm.podcasts.feed_routes import gate
from tonearm.podcasts.models import Show
from tonearm.storage.mime import content_type

router = APIRouter(tags=["podcasts"])


def _file(db, collection_id: uuid.UUID, track_id: uuid.UUID, variant: str, ext: str) -> TrackFile:
    track = db.get(Track, track_id)
    if track is None or track.collection_id != collection_id:
        raise NotFound("No such episode")
    row = db.scalar(select(TrackFile).where(TrackFile.track_id == track_id, TrackFile.variant_index == variant,
                                            TrackFile.is_success.is_(True)))
    if row is None or not row.storage_key or not row.path.lower().endswith(f".{ext}"):
        raise NotFound("No such file")
    return row


def _record(request: Request, track_id: uuid.UUID, variant: str, token: str | None, status: int,
            first: int = 0, sent: int = 0) -> None:
    record_delivery(request, DeliveryFacts.from_request(
        request, status=status, bytes_sent=sent, range_start=first, method=request.method, track_id=track_id,
        variant=variant, feed_token=token, at=request.app.state.runtime.clock()))


@router.get("/e/{collection_id}/{track_id}/{variant}.{ext}", response_class=Response,
            responses={200: {"description": "The episode's audio"}, 206: {"description": "A byte range"},
                       302: {"description": "Redirect to a freshly signed URL (redirect delivery)"}})
def get_enclosure(collection_id: uuid.UUID, track_id: uuid.UUID, variant: str, ext: str, request: Request,
                  token: str | None = None):
    """An episode's audio at its stable enclosure URL (Tonearm extension); `?token=` for private shows."""
    rt = request.app.state.runtime
    try:
        with rt.sessionmaker() as db:
            gate(db, db.get(Show, collection_id), token)
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
        _record(request, track_id, variant, token, exc.status)
        raise
    # counted once the bytes have left: the status, first byte and body bytes really sent
    return Metered(response, lambda status, first, sent: _record(request, track_id, variant, token,
                                                                 status, first, sent))


router.add_api_route("/e/{collection_id}/{track_id}/{variant}.{ext}", get_enclosure, methods=["HEAD"],
                     include_in_schema=False, response_class=Response)
