"""`GET /feeds/{collection_id}.xml` (or `/feeds/{slug}.xml`) and the files a feed names: the cover,
chapters and transcripts. Private shows need a live subscriber token (`?token=`) on every URL;
without one their feed is 404, with a revoked or expired one 403."""

from __future__ import annotations

import hashlib
import uuid
from email.utils import formatdate, parsedate_to_datetime

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from tonearm.catalog.models import Collection
from tonearm.db.base import utcnow
from tonearm.delivery.serve import serve
from tonearm.errors import NotFound
from tonearm.podcasts import artwork, cache, feed, items, service
from tonearm.podcasts.content import TRANSCRIPT_TYPES
from tonearm.podcasts.models import Episode, Show, Transcript

router = APIRouter(tags=["podcasts"])
RSS_TYPE = "application/rss+xml; charset=utf-8"


def gate(db, show: Show | None, token: str | None):
    """The subscriber a private show's URL is for (None for a public show); 404 / 403 otherwise."""
    if show is None:
        raise NotFound("No such feed")
    if not show.private:
        return None
    if not token:
        raise NotFound("No such feed")
    return service.check_token(db, collection_id=show.collection_id, token=token)


def _not_modified(request: Request, etag: str, last_modified) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            return int(last_modified.timestamp()) <= int(parsedate_to_datetime(ims).timestamp())
        except (TypeError, ValueError, OverflowError):
            return False
    return False


def _body(request: Request, db, show: Show, col: Collection, token: str | None, etag: str) -> cache.Built:
    feeds = cache.of(request.app.state)
    key = (show.collection_id, token)
    built = feeds.get(key, etag)
    if built is None:
        rt = request.app.state.runtime
        now = utcnow()
        links = feed.Links(rt.settings.public_url, str(show.collection_id), token)
        has_cover = artwork.feed_image(rt.storage, col) is not None
        body = feed.build(show, col, items.items(db, show, col, now), links, has_cover=has_cover, built=now)
        built = feeds.put(key, etag, body)
    return built


@router.get("/feeds/{key}.xml", response_class=Response,
            responses={200: {"content": {"application/rss+xml": {}}}, 304: {"description": "Not modified"}})
def get_feed(key: str, request: Request, token: str | None = None):
    """The show's RSS feed (Tonearm extension): public, or per subscriber with `?token=`."""
    rt = request.app.state.runtime
    with rt.sessionmaker() as db:
        show = service.show_by_key(db, key)
        sub = gate(db, show, token)
        col = db.get(Collection, show.collection_id)
        digest, last_modified = items.fingerprint(db, show, col, utcnow())
        scope = f"{digest}|{sub.id if sub else ''}|{rt.settings.public_url}"
        etag = '"' + hashlib.sha256(scope.encode()).hexdigest()[:32] + '"'
        headers = {
            "ETag": etag,
            "Last-Modified": formatdate(last_modified.timestamp(), usegmt=True),
            "Cache-Control": f"{'private' if show.private else 'public'}, max-age={rt.settings.podcast_feed_max_age}",
            "Vary": "Accept-Encoding",
        }
        if _not_modified(request, etag, last_modified):
            return Response(status_code=304, headers=headers)
        built = _body(request, db, show, col, token if show.private else None, etag)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(b"" if request.method == "HEAD" else built.gzipped, headers=headers, media_type=RSS_TYPE)
    return Response(b"" if request.method == "HEAD" else built.body, headers=headers, media_type=RSS_TYPE)


@router.get("/feeds/{collection_id}/cover.{ext}", include_in_schema=False)
def get_cover(collection_id: uuid.UUID, ext: str, request: Request, token: str | None = None):
    rt = request.app.state.runtime
    with rt.sessionmaker() as db:
        gate(db, db.get(Show, collection_id), token)
        col = db.get(Collection, collection_id)
        image = artwork.feed_image(rt.storage, col)
    if image is None:
        raise NotFound("This show has no cover")
    stored, real_ext = image
    return serve(request, stored, f"cover.{real_ext}", {})


@router.get("/feeds/{collection_id}/{track_id}/chapters.json", include_in_schema=False)
def get_chapters(collection_id: uuid.UUID, track_id: uuid.UUID, request: Request, token: str | None = None):
    with request.app.state.runtime.sessionmaker() as db:
        gate(db, db.get(Show, collection_id), token)
        ep = db.get(Episode, track_id)
        if ep is None or ep.collection_id != collection_id or not ep.has_chapters:
            raise NotFound("No chapters")
        return Response(orjson.dumps(ep.chapters), media_type="application/json+chapters")


@router.get("/feeds/{collection_id}/{track_id}/transcript/{language}.{fmt}", include_in_schema=False)
def get_transcript(collection_id: uuid.UUID, track_id: uuid.UUID, language: str, fmt: str, request: Request,
                   token: str | None = None):
    with request.app.state.runtime.sessionmaker() as db:
        gate(db, db.get(Show, collection_id), token)
        row = db.scalar(select(Transcript).where(Transcript.track_id == track_id, Transcript.language == language))
        ep = db.get(Episode, track_id)
        if row is None or row.format != fmt or ep is None or ep.collection_id != collection_id:
            raise NotFound("No such transcript")
        return Response(row.body.encode(), media_type=f"{TRANSCRIPT_TYPES[fmt]}; charset=utf-8")


router.add_api_route("/feeds/{key}.xml", get_feed, methods=["HEAD"], include_in_schema=False,
                     response_class=Response)
