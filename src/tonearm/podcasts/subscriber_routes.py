"""Private feeds' subscribers (mint, list, revoke) and the OPML list of public feeds."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from lxml import etree
from sqlalchemy import select
from starlette.responses import Response

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import service as catalog
from tonearm.catalog.models import Collection
from tonearm.errors import Invalid
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.http.params import PageDep
from tonearm.podcasts import service
from tonearm.podcasts.feed import Links
from tonearm.podcasts.models import Show
from tonearm.podcasts.responses import SubscriberCreated, SubscriberList, SubscriberResponse
from tonearm.podcasts.schemas import SubscriberCreate, subscriber_out
from tonearm.wire import iso

router = APIRouter(tags=["podcasts"])


def _show(db, principal, collection_id: uuid.UUID):
    col = catalog.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    show = service.get_show(db, col.id)
    if show is None:
        raise Invalid("This collection is not a podcast (PUT a podcast object first)")
    return col, show


@router.post("/v1/collection/{collection_id}/subscriber",
             operation_id="createSubscriber", response_model=SubscriberCreated)
def add_subscriber(collection_id: uuid.UUID, body: SubscriberCreate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """Mint a subscriber's private feed URL (its token is shown only here)."""
    col, _ = _show(db, principal, collection_id)
    sub, token = service.add_subscriber(db, col=col, fields=body.model_dump(exclude_unset=True))
    db.commit()
    feed_url = Links(rt.settings.public_url, str(col.id), token).feed()
    return ok(collection_id=col.id, subscriber_id=sub.id, subscriber=subscriber_out(sub, feed_url=feed_url),
              feed_url=feed_url)


@router.get("/v1/collection/{collection_id}/subscriber",
            operation_id="listSubscribers", response_model=SubscriberList)
def list_subscribers(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, page: PageDep):
    col, _ = _show(db, principal, collection_id)
    count, rows = service.list_subscribers(db, col=col, limit=page.limit, offset=page.offset)
    return ok(collection_id=col.id, count=count, limit=page.limit, offset=page.offset,
              subscribers=[subscriber_out(s) for s in rows])


@router.delete("/v1/collection/{collection_id}/subscriber/{subscriber_id}",
               operation_id="revokeSubscriber", response_model=SubscriberResponse)
def revoke_subscriber(collection_id: uuid.UUID, subscriber_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    """Revoke a subscriber: its feed and enclosure URLs answer 403 from now on."""
    col, _ = _show(db, principal, collection_id)
    sub = service.get_subscriber(db, col=col, subscriber_id=subscriber_id)
    service.revoke_subscriber(db, sub=sub)
    db.commit()
    return ok(collection_id=col.id, subscriber_id=sub.id, subscriber=subscriber_out(sub))


@router.get("/v1/feeds.opml", response_class=Response,
            operation_id="getFeedsOpml",
            responses={200: {"content": {"text/x-opml": {}}}})
def feeds_opml(db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """OPML 2.0 outline of the organization's public podcast feeds."""
    rows = db.execute(select(Show, Collection.title).join(Collection, Collection.id == Show.collection_id)
                      .where(Show.organization_id == principal.organization_id, Show.private.is_(False))
                      .order_by(Collection.created_at))
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "Tonearm podcast feeds"
    body = etree.SubElement(opml, "body")
    for show, title in rows:
        etree.SubElement(body, "outline", type="rss", text=show.title or title, title=show.title or title,
                         xmlUrl=Links(rt.settings.public_url, str(show.collection_id)).feed(),
                         created=iso(show.created_at) or "")
    return Response(etree.tostring(opml, xml_declaration=True, encoding="UTF-8"),
                    media_type="text/x-opml; charset=utf-8")
