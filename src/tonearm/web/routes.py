"""Pages served by Tonearm: embeddable player pages with oEmbed, the dashboard, the components docs."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from tonearm.auth.models import KeyType
from tonearm.auth.service import Principal, find_key
from tonearm.catalog.models import Track
from tonearm.db.base import utcnow
from tonearm.errors import Invalid, NotFound, Unauthorized
from tonearm.http.deps import DB, RuntimeDep, SettingsDep
from tonearm.http.envelope import ok
from tonearm.playback import service as playback
from tonearm.playback.models import PlaySession
from tonearm.playback.payload import full_payload
from tonearm.playback.schemas import PlaySessionCreate
from tonearm.web import pages
from tonearm.web.stats_page import stats_page

STATIC_DIR = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
THEMES = ("auto", "light", "dark")
SIZES = ("small", "regular", "large")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
FRAME = {"Content-Security-Policy": "frame-ancestors *"}


def mount_static(app) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _html(content: str, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers={**NO_STORE, **(headers or {})})


def _look(request: Request) -> dict:
    q = request.query_params
    theme = q.get("theme") if q.get("theme") in THEMES else None
    size = q.get("size") if q.get("size") in SIZES else "regular"
    return {"theme": theme, "size": size, "autoplay": q.get("autoplay") in ("1", "true")}


# ----------------------------------------------------------------------------- embeds


@router.get("/embed/{play_session_id}")
def embed_session(play_session_id: str, request: Request, db: DB, settings: SettingsDep):
    try:
        sid = uuid.UUID(play_session_id)
    except ValueError:
        return _html(pages.error_page(404, "No such player."), 404)
    session = db.get(PlaySession, sid)
    if session is None:
        return _html(pages.error_page(404, "No such player."), 404)
    if session.expires_at <= utcnow():
        return _html(pages.error_page(410, "This player link has expired."), 410)
    title = _session_title(db, session)
    page = f"{settings.public_url}/embed/{sid}"
    player = {"play-session-id": sid, **_look(request)}
    return _html(pages.embed_page(title=title, player=player, public_url=settings.public_url, page_url=page),
                 headers=FRAME)


def _session_title(db, session: PlaySession) -> str:
    rows = playback.session_tracks(db, session)
    if session.scope == "track" and rows:
        return rows[0][5] or rows[0][4] or "Track"
    return f"{len(rows)} tracks" if rows else "Player"


def _key(db, keyring, plaintext: str | None):
    key = find_key(db, keyring=keyring, plaintext=plaintext or "")
    if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= utcnow()):
        return None
    return key


def _share_session(db, settings, key, track_id: uuid.UUID):
    """A play session for a share key's one track and one variant (share keys cannot call the API)."""
    principal = Principal(key_id=key.id, organization_id=key.organization_id, key_type=KeyType.PLAYER,
                          collection_id=key.collection_id, track_id=key.track_id, creator_id=None,
                          variants=tuple(key.variants or ()) or None, is_downloadable=False)
    session, rows = playback.create_session(db, settings=settings, principal=principal, scope="track",
                                            body=PlaySessionCreate(track_id=track_id))
    db.commit()
    return session, rows


@router.get("/embed/track/{track_id}")
def embed_track(track_id: str, request: Request, db: DB, rt: RuntimeDep, key: str | None = Query(None)):
    settings = rt.settings
    try:
        tid = uuid.UUID(track_id)
    except ValueError:
        return _html(pages.error_page(404, "No such track."), 404)
    k = _key(db, rt.keyring, key)
    if k is None or k.api_key_type_id not in (KeyType.PLAYER, KeyType.SHARE):
        return _html(pages.error_page(401, "This link needs a valid player or share key."), 401)
    track = db.get(Track, tid)
    if track is None or track.organization_id != k.organization_id or (k.track_id and k.track_id != tid) \
            or (k.collection_id and k.collection_id != track.collection_id):
        return _html(pages.error_page(404, "No such track."), 404)
    title = track.player_title or track.file_name or "Track"
    page = f"{settings.public_url}/embed/track/{tid}?key={key}"
    look = _look(request)
    if k.api_key_type_id == KeyType.PLAYER:  # a player key is made for browsers: the component opens sessions
        player = {"api-key": key, "scope": "track", "id": tid, **look}
    else:
        session, _rows = _share_session(db, settings, k, tid)
        player = {"play-session-id": session.id, "session-url": f"/embed/track/{tid}/session?key={key}", **look}
    return _html(pages.embed_page(title=title, player=player, public_url=settings.public_url, page_url=page),
                 headers=FRAME)


@router.get("/embed/track/{track_id}/session")
def embed_track_session(track_id: uuid.UUID, db: DB, rt: RuntimeDep, key: str | None = Query(None)):
    """A fresh play session for a share-key embed (the player renews through this before expiry)."""
    k = _key(db, rt.keyring, key)
    if k is None or k.api_key_type_id != KeyType.SHARE:
        raise Unauthorized("Invalid share key")
    if k.track_id != track_id:
        raise NotFound("Track not found")
    session, rows = _share_session(db, rt.settings, k, track_id)
    return ok(**full_payload(db, rt, session, rows))


@router.get("/oembed")
def oembed(settings: SettingsDep, db: DB, url: str = Query(..., max_length=2000), maxwidth: int | None = Query(None, ge=1),
           maxheight: int | None = Query(None, ge=1), format: str = Query("json")):
    if format != "json":
        raise Invalid("Only format=json is supported")
    parts = urlsplit(url)
    base = urlsplit(settings.public_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith("/embed/"):
        raise NotFound("Not an embeddable Tonearm URL")
    segs = parts.path.split("/")[2:]
    title = "Tonearm player"
    try:
        if len(segs) == 1:
            session = db.get(PlaySession, uuid.UUID(segs[0]))
            if session is None:
                raise NotFound("No such player")
            title = _session_title(db, session)
        elif len(segs) == 2 and segs[0] == "track":
            track = db.get(Track, uuid.UUID(segs[1]))
            if track is None:
                raise NotFound("No such track")
            title = track.player_title or track.file_name or title
        else:
            raise NotFound("Not an embeddable Tonearm URL")
    except ValueError:
        raise NotFound("Not an embeddable Tonearm URL") from None
    width = min(maxwidth or 640, 1200)
    height = min(maxheight or 180, 800)
    src = pages.escape(url, quote=True)
    html = (f'<iframe src="{src}" width="{width}" height="{height}" frameborder="0" allow="autoplay; encrypted-media" '
            f'title="{pages.escape(title, quote=True)}" loading="lazy"></iframe>')
    return ok(version="1.0", type="rich", provider_name="Tonearm", provider_url=settings.public_url,
              title=title, width=width, height=height, html=html)


# ----------------------------------------------------------------------------- dashboard, docs


@router.get("/dashboard/stats")
def dashboard_stats(settings: SettingsDep):
    if not settings.dashboard_enabled:
        raise NotFound("No such route")
    return _html(stats_page(), headers={"Content-Security-Policy": "frame-ancestors 'none'"})


@router.get("/dashboard")
def dashboard(settings: SettingsDep):
    if not settings.dashboard_enabled:
        raise NotFound("No such route")
    return _html(pages.dashboard_page(), headers={"Content-Security-Policy": "frame-ancestors 'none'"})


@router.get("/docs/components")
def components_docs():
    from tonearm.web.docs import components_page

    return _html(components_page())
