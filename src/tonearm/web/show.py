"""`/show/{collection_id}` (or `/show/{slug}`): a public podcast's page: artwork, show notes,
subscribe links (the feed, Apple Podcasts and Podcast Index searches) and the episode list, each
episode playable in the browser from its stable enclosure URL. Private shows have no page (404)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from tonearm.catalog.models import Collection
from tonearm.db.base import utcnow
from tonearm.errors import NotFound
from tonearm.http.deps import DB, RuntimeDep
from tonearm.podcasts import artwork, items, service
from tonearm.podcasts.content import clean_html
from tonearm.podcasts.feed import Links
from tonearm.podcasts.items import enclosure_file
from tonearm.web.pages import document

router = APIRouter(include_in_schema=False)
MAX_EPISODES = 200
STYLE = """<style>
.show{max-width:760px;margin:32px auto;padding:0 16px}
.show header{display:flex;gap:20px;align-items:flex-start}
.show header img{width:160px;height:160px;border-radius:12px;object-fit:cover}
.show .subscribe a{margin-right:14px}
.show .episode audio{width:100%;margin-top:8px}
.show .meta{color:var(--muted,#777);font-size:.9em}
</style>"""


def _duration(seconds: float | None) -> str:
    if not seconds:
        return ""
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _episode(item, links: Links) -> str:
    main = enclosure_file(item.files, None)
    notes = item.ep.description or ""  # sanitised with nh3 when it was saved
    meta = " · ".join(x for x in (item.pub_date.strftime("%d %b %Y"), _duration(item.duration)) if x)
    return (f'<article class="panel episode"><h3>{escape(item.title)}</h3><div class="meta">{escape(meta)}</div>'
            f'<div class="notes">{notes}</div><audio controls preload="none" '
            f'src="{escape(links.enclosure(item.track_id, main.variant, main.ext))}"></audio></article>')


def show_page(show, col, episodes: list, links: Links, has_cover: bool) -> str:
    title = show.title or col.title
    feed_url = links.feed()
    cover = f'<img src="{escape(links.cover())}" alt="">' if has_cover else ""
    subscribe = (f'<p class="subscribe"><a href="{escape(feed_url)}">RSS feed</a>'
                 f'<a href="https://podcasts.apple.com/search?term={quote(title)}">Apple Podcasts</a>'
                 f'<a href="https://podcastindex.org/search?q={quote(title)}">Podcast Index</a></p>')
    head = (f'<link rel="alternate" type="application/rss+xml" title="{escape(title)}" href="{escape(feed_url)}">'
            + STYLE)
    body = (f'<main class="show"><header>{cover}<div><h1>{escape(title)}</h1>'
            f'<p class="meta">{escape(show.author or "")}</p><div class="notes">{clean_html(show.description or "")}</div>'
            f'{subscribe}</div></header><h2>Episodes</h2>'
            + "".join(_episode(it, links) for it in episodes[:MAX_EPISODES]) + "</main>")
    return document(title, body, head=head, body_class="plain")


@router.get("/show/{key}")
def get_show_page(key: str, db: DB, rt: RuntimeDep):
    show = service.show_by_key(db, key)
    if show is None or show.private:
        raise NotFound("No such show")
    col = db.get(Collection, show.collection_id)
    links = Links(rt.settings.public_url, str(col.id))
    episodes = items.items(db, show, col, utcnow())
    html = show_page(show, col, episodes, links, artwork.feed_image(rt.storage, col) is not None)
    return HTMLResponse(html)
