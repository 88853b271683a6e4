"""AudioDN's variant paths: `{base_url}_{bitrate}.{ext}` (e.g. `…_128.mp3`, `…_256.m4a`) reach the
transcode variant with that bitrate and container, besides its index name (`…_lq.mp3`), where
exactly one variant of the track matches. The URL is verified as signed (the path asked for is the
path signed), then the bytes are served as for any delivery URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.delivery.routes import serve
from tonearm.errors import NotFound
from tonearm.storage import keys

router = APIRouter(tags=["delivery"], include_in_schema=False)


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


@router.get("/d/{index}_{bitrate:int}.{ext}")
async def deliver_by_bitrate(index: str, bitrate: int, ext: str, request: Request):
    params = request.app.state.runtime.signer.verify_request(request)
    name = f"{index}_{bitrate}.{ext}"
    literal = keys.key_for_delivery_name(name)  # a variant whose index is a number keeps its own name
    storage = request.app.state.runtime.storage
    key = literal if literal is not None and await run_in_threadpool(storage.stat, literal) else None
    if key is None and keys.DELIVERY_NAME.match(name):
        key = await run_in_threadpool(_lookup, request, index, bitrate, ext)
    if key is None:
        raise NotFound("No such file")
    return await run_in_threadpool(serve, request, key, name, params)


router.add_api_route("/d/{index}_{bitrate:int}.{ext}", deliver_by_bitrate, methods=["HEAD"])
