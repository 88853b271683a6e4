"""`GET|HEAD /d/{name}`: verify the URL, find the object, let delivery/serve.py send the bytes.

A URL is accepted when Tonearm signed it (play sessions, downloads, shares) or when a URL Signing
key of the organization that owns the track signed it (AudioDN's signed delivery, keys/signing.py).
AudioDN's variant paths `{base_url}_{bitrate}.{ext}` (e.g. `…_128.mp3`, `…_256.m4a`) reach the one
transcode variant with that bitrate and container, besides its index name (`…_lq.mp3`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from tonearm.analytics import DeliveryFacts, record_delivery
from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.delivery.serve import Metered, serve
from tonearm.errors import Forbidden, NotFound
from tonearm.keys import signing
from tonearm.storage import keys

router = APIRouter(tags=["delivery"])


def resolve(db, index: str, bitrate: int, ext: str) -> str | None:
    """The storage key of the track's only successful transcode variant (previews are clips, not
    the track) with this bitrate and extension."""
    track_id = db.scalar(select(Track.id).where(Track.index == index))
    if track_id is None:
        return None
    rows = db.scalars(select(TrackFile).join(Variant, Variant.id == TrackFile.variant_id).where(
        TrackFile.track_id == track_id, TrackFile.is_success.is_(True), Variant.variant_type_id == "transcode"))
    found = [f.storage_key for f in rows if f.storage_key and f.path.endswith(f".{ext}")
             and (f.props or {}).get("bitrate") == bitrate]
    return found[0] if len(found) == 1 else None


def _lookup(request: Request, index: str, bitrate: int, ext: str) -> str | None:
    with request.app.state.runtime.sessionmaker() as db:
        return resolve(db, index, bitrate, ext)


def _verify(request: Request, name: str) -> dict[str, str]:
    rt = request.app.state.runtime
    try:
        return rt.signer.verify_request(request)
    except Forbidden as exc:
        match = keys.DELIVERY_NAME.match(name)
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        if match is None or "verify=" not in raw_query:
            raise
        with rt.sessionmaker() as db:
            track = db.scalar(select(Track).where(Track.index == match.group(1)))
            if track is None:
                raise exc from None
            try:
                return signing.check(db, keyring=rt.keyring, organization_id=track.organization_id,
                                     collection_id=track.collection_id, path=request.url.path, raw_query=raw_query)
            except Forbidden as own:
                raise (exc if own.message == "Invalid URL signature" else own) from None


def _session_of(params: dict[str, str]) -> uuid.UUID | None:
    try:
        return uuid.UUID(params["ps"]) if params.get("ps") else None
    except ValueError:
        return None


def recorded(request: Request, response, key: str, params: dict[str, str]):
    """`response`, recording its delivery (analytics) once sent; track files only, not covers."""
    if not key.startswith("tracks/"):
        return response

    def done(status: int, first: int, sent: int) -> None:
        record_delivery(request, DeliveryFacts.from_request(
            request, status=status, bytes_sent=sent, range_start=first, method=request.method,
            storage_key=key, play_session_id=_session_of(params), at=request.app.state.runtime.clock()))

    return Metered(response, done)


@router.get("/d/{index}_{bitrate:int}.{ext}", include_in_schema=False)  # documented with /d/{name}
async def deliver_by_bitrate(index: str, bitrate: int, ext: str, request: Request):
    name = f"{index}_{bitrate}.{ext}"
    params = await run_in_threadpool(_verify, request, name)
    literal = keys.key_for_delivery_name(name)  # a variant whose index is a number keeps its own name
    storage = request.app.state.runtime.storage
    key = literal if literal is not None and await run_in_threadpool(storage.stat, literal) else None
    if key is None and keys.DELIVERY_NAME.match(name):
        key = await run_in_threadpool(_lookup, request, index, bitrate, ext)
    if key is None:
        raise NotFound("No such file")
    return recorded(request, await run_in_threadpool(serve, request, key, name, params), key, params)


@router.get("/d/{name}", operation_id="deliverFile")
def deliver(name: str, request: Request):
    params = _verify(request, name)
    key = keys.key_for_delivery_name(name)
    if key is None:
        raise NotFound("No such file")
    return recorded(request, serve(request, key, name, params), key, params)


router.add_api_route("/d/{index}_{bitrate:int}.{ext}", deliver_by_bitrate, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/d/{name}", deliver, methods=["HEAD"], include_in_schema=False)
