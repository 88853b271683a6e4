"""Key type x route matrix: who may call what, and what everyone else gets.

Every /v1 route that takes a Bearer key is called with: no key, malformed headers, an unknown key,
a revoked key, an expired key, an API key, player / uploader / share keys, and another
organization's API key. Session-authorised routes ignore the Authorization header entirely.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest

from tests.conftest import bearer
from tests.helpers import create_collection, create_track, make_ready_track
from tonearm.auth.service import create_key, revoke_key
from tonearm.db.session import session_scope
from tonearm.keyring import Keyring

UNAUTHENTICATED = ("none", "unknown", "revoked", "expired")
MALFORMED_HEADERS = [
    {"Authorization": "Token abcdef"},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "abcdef"},
]


def assert_error_envelope(r, status: int | None = None, where: str = "") -> dict:
    if status is not None:
        assert r.status_code == status, f"{where}: {r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"ok", "message", "api_request_id"}, f"{where}: {body}"
    assert body["ok"] is False, where
    assert isinstance(body["message"], str) and body["message"], where
    assert isinstance(body["api_request_id"], str), where
    uuid.UUID(body["api_request_id"])
    return body


def revoked_key(settings, org_id, key_type: str = "api", **scope) -> str:
    scope = _uuids(scope)
    with session_scope(settings.database_url) as db:
        key, plaintext = create_key(
            db, keyring=Keyring.of(settings), organization_id=org_id, key_type=key_type, title="revoked", **scope
        )
        key_id = key.id
    with session_scope(settings.database_url) as db:
        revoke_key(db, key_id=key_id)
    return plaintext


def _uuids(scope: dict) -> dict:
    return {k: uuid.UUID(v) if k.endswith("_id") and isinstance(v, str) else v for k, v in scope.items()}


def mint(org, key_type: str, **scope) -> str:
    """org.key() with string ids converted to UUIDs."""
    return org.key(key_type, **_uuids(scope))


PAST = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


@dataclass
class World:
    org_id: str
    creator: str
    creator_del: str
    col_a: str
    col_b: str
    col_del: str
    t_a: str
    t_b: str
    t_del: str
    playlist: str
    playlist_del: str
    variant_id: str
    delivery: str = "00000000-0000-4000-8000-000000000000"  # a webhook delivery of the org
    signing_key: str = "00000000-0000-4000-8000-000000000001"  # a URL Signing key of the org
    subscriber: str = "00000000-0000-4000-8000-000000000002"  # a private-feed subscriber of col_a's show
    keys: dict[str, dict[str, str] | None] = field(default_factory=dict)


def _ok(r, where=""):
    assert r.status_code == 200, f"{where}: {r.status_code} {r.text}"
    return r.json()


@pytest.fixture
def world(client, org, other_org, settings) -> World:
    h = org.headers
    creator = _ok(client.post("/v1/creator", json={"organization_index": "c1"}, headers=h))["creator_id"]
    creator_del = _ok(client.post("/v1/creator", json={"organization_index": "c2"}, headers=h))["creator_id"]
    col_a = create_collection(client, org, "A")["id"]
    col_b = create_collection(client, org, "B")["id"]
    col_del = create_collection(client, org, "Doomed")["id"]
    t_a = make_ready_track(client, org, settings, col_a)["track_id"]
    t_b = make_ready_track(client, org, settings, col_b)["track_id"]
    t_del = create_track(client, org, col_b)["track_id"]
    playlist = _ok(client.post("/v1/playlist", json={"title": "P", "track_ids": [t_a]}, headers=h))["playlist_id"]
    playlist_del = _ok(client.post("/v1/playlist", json={"title": "D"}, headers=h))["playlist_id"]
    variants = _ok(client.get("/v1/variant", headers=h))["variants"]
    variant_id = next(v["id"] for v in variants if v["index"] == "hq")
    w = World(org.id, creator, creator_del, col_a, col_b, col_del, t_a, t_b, t_del, playlist, playlist_del, variant_id,
              delivery=_delivery(settings, org.id, t_a),
              signing_key=_ok(client.post("/v1/signing_key", json={"title": "s"}, headers=h))["signing_key_id"])
    # col_a is a private podcast show and t_a an episode (the podcast routes need both).
    _ok(client.put(f"/v1/collection/{col_a}", json={"podcast": {"title": "Show", "private": True}}, headers=h))
    _ok(client.put(f"/v1/track/{t_a}", json={"episode": {"title": "Ep"}}, headers=h))
    w.subscriber = _ok(client.post(f"/v1/collection/{col_a}/subscriber", json={"title": "s"}, headers=h))["subscriber_id"]
    w.keys = {
        "none": None,
        "unknown": bearer("tk_" + uuid.uuid4().hex + uuid.uuid4().hex),
        "revoked": bearer(revoked_key(settings, org.id)),
        "expired": bearer(mint(org, "api", expires_at=PAST)),
        "api": org.headers,
        "player": bearer(mint(org, "player")),
        "uploader": bearer(mint(org, "uploader")),
        "share": bearer(mint(org, "share", collection_id=col_a, track_id=t_a, variants=["lq"])),
        "other_org": other_org.headers,
    }
    return w


def _delivery(settings, org_id, track_id: str) -> str:
    from tonearm.webhooks.models import WebhookDelivery

    with session_scope(settings.database_url) as db:
        row = WebhookDelivery(id=uuid.uuid4(), organization_id=org_id, track_id=uuid.UUID(track_id), event="e",
                              url="http://127.0.0.1:9/hook", payload={}, status="failed")
        db.add(row)
        return str(row.id)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: dict | bytes | None
    allowed: tuple[str, ...] = ("api",)  # key types that get 200
    org_bound: bool = True  # names this org's resources: another org's key → 404


def routes(w: World) -> list[Route]:
    """Every Bearer-authorised /v1 route, in an order safe to run with the API key (deletes last)."""
    return [
        Route("GET", f"/v1/organization/{w.org_id}", None),
        Route("PUT", f"/v1/organization/{w.org_id}", {"player_subtitle": "s"}),
        Route("GET", "/v1/creator", None, org_bound=False),
        Route("POST", "/v1/creator", {"organization_index": "new"}, org_bound=False),
        Route("GET", f"/v1/creator/{w.creator}", None),
        Route("PUT", f"/v1/creator/{w.creator}", {"metadata": {"a": 1}}),
        Route("GET", "/v1/collection", None, org_bound=False),
        Route("POST", "/v1/collection", {"title": "New", "creator_id": w.creator}),
        Route("GET", f"/v1/collection/{w.col_a}", None),
        Route("PUT", f"/v1/collection/{w.col_a}", {"player_subtitle": "s"}),
        Route("GET", f"/v1/collection/{w.col_a}/track", None),
        Route("POST", f"/v1/collection/{w.col_a}/cover", None),
        Route("POST", "/v1/track", {"collection_id": w.col_a, "file_name": "new.mp3"}),
        Route("GET", f"/v1/track/{w.t_a}", None),
        Route("PUT", f"/v1/track/{w.t_a}", {"player_title": "T"}),
        Route("POST", f"/v1/track/{w.t_a}/cover", None),
        Route("GET", "/v1/variant", None, org_bound=False),
        Route("GET", f"/v1/variant?track_id={w.t_a}", None),
        Route("GET", f"/v1/variant/{w.variant_id}", None),
        Route("GET", "/v1/playlist", None, org_bound=False),
        Route("POST", "/v1/playlist", {"title": "P2", "track_ids": [w.t_a]}),
        Route("GET", f"/v1/playlist/{w.playlist}", None),
        Route("PUT", f"/v1/playlist/{w.playlist}", {"title": "P3"}),
        Route("GET", f"/v1/playlist/{w.playlist}/track", None),
        Route("POST", "/v1/api_key", {"title": "k", "api_key_type_id": "player", "collection_id": w.col_a}),
        Route("GET", "/v1/webhook_delivery", None, org_bound=False),
        Route("GET", f"/v1/webhook_delivery?track_id={w.t_a}&status=failed", None, org_bound=False),
        Route("POST", f"/v1/webhook_delivery/{w.delivery}/redeliver", None),
        Route("POST", "/v1/signing_key", {"title": "edge"}, org_bound=False),
        Route("GET", "/v1/signing_key", None, org_bound=False),
        Route("GET", f"/v1/collection/{w.col_a}/podcast", None),
        Route("GET", f"/v1/track/{w.t_a}/episode", None),
        Route("PUT", f"/v1/track/{w.t_a}/chapters", {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "I"}]}),
        Route("PUT", f"/v1/track/{w.t_a}/transcript/en", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"),
        Route("DELETE", f"/v1/track/{w.t_a}/transcript/en", None),
        Route("POST", f"/v1/collection/{w.col_a}/subscriber", {"title": "another"}),
        Route("GET", f"/v1/collection/{w.col_a}/subscriber", None),
        Route("GET", "/v1/feeds.opml", None, org_bound=False),
        Route("GET", "/v1/stats", None, org_bound=False),  # API Access keys only: player keys read no stats
        Route("GET", f"/v1/stats?collection_id={w.col_a}", None, org_bound=False),
        Route("GET", "/v1/stats/export.csv", None, org_bound=False),
        Route("POST", "/v1/upload_session", {"collection_id": w.col_a}, allowed=("api", "uploader")),
        Route("POST", "/v1/play_session/collection", {"collection_id": w.col_a}, allowed=("api", "player")),
        Route("POST", "/v1/play_session/track", {"track_id": w.t_a}, allowed=("api", "player")),
        Route("POST", "/v1/play_session/playlist", {"playlist_id": w.playlist}, allowed=("api", "player")),
        # After the play sessions: these change the variant ladder and the playlist.
        Route("POST", f"/v1/track/{w.t_a}/variant", {"variant_type_id": "transcode", "index": "extra1"}),
        Route("POST", f"/v1/track/{w.t_a}/reprocess", None),
        Route("POST", "/v1/variant", {"variant_type_id": "preview", "index": "orgwide"}, org_bound=False),
        Route("DELETE", f"/v1/variant/{w.variant_id}", None),
        Route("POST", f"/v1/playlist/{w.playlist}/track", {"track_ids": [w.t_b]}),
        Route("DELETE", f"/v1/playlist/{w.playlist}/track/{w.t_a}", None),
        Route("DELETE", f"/v1/playlist/{w.playlist_del}", None),
        Route("DELETE", f"/v1/signing_key/{w.signing_key}", None),
        Route("DELETE", f"/v1/collection/{w.col_a}/subscriber/{w.subscriber}", None),
        Route("DELETE", f"/v1/track/{w.t_del}", None),
        Route("DELETE", f"/v1/collection/{w.col_del}", None),
        Route("DELETE", f"/v1/creator/{w.creator_del}", None),
    ]


def call(client, route: Route, headers):
    kwargs = {"headers": headers or {}}
    if isinstance(route.body, bytes):
        kwargs["content"] = route.body
    elif route.body is not None:
        kwargs["json"] = route.body
    return client.request(route.method, route.path, **kwargs)


def expected_status(route: Route, kind: str) -> int:
    if kind in UNAUTHENTICATED:
        return 401
    if kind == "other_org":
        return 404 if route.org_bound else 200
    if kind in route.allowed:
        return 200
    return 403


def check_matrix(client, w: World, kinds) -> None:
    failures = []
    for route in routes(w):
        for kind in kinds:
            r = call(client, route, w.keys[kind])
            want = expected_status(route, kind)
            where = f"{kind:>9} {route.method} {route.path}"
            if r.status_code != want:
                failures.append(f"{where}: want {want}, got {r.status_code} {r.text[:160]}")
                continue
            if want >= 400:
                assert_error_envelope(r, where=where)
    assert not failures, "\n".join(failures)


def test_route_list_covers_the_reference():
    """The matrix names every Bearer-authorised operation of the reference openapi (plus playlists)."""
    import json
    import re
    from pathlib import Path

    reference = Path(__file__).resolve().parents[3] / "shared" / "reference" / "audiodn" / "openapi.json"
    if not reference.exists():
        pytest.skip("shared/reference is not beside this checkout")
    spec = json.loads(reference.read_text())
    session_authorised = {
        "/v1/upload_session/{upload_session_id}",
        "/v1/upload/{upload_session_id}/track",
        "/v1/play_session/{play_session_id}",
        "/v1/play/{play_session_id}/{play_track_id}",
        "/v1/play/{play_session_id}/{play_track_id}/{variant_index}/download",
    }
    covered = set()
    ids = [str(uuid.uuid4()) for _ in range(12)]
    for route in routes(World(*ids)):
        path = route.path.split("?")[0]
        covered.add((route.method, re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{}", path)))
    for path, ops in spec["paths"].items():
        for method in ops:
            if method not in ("get", "post", "put", "delete") or path in session_authorised:
                continue
            generic = re.sub(r"\{[^}]+\}", "{}", path)
            if generic == "/v1/play_session/{}":  # POST /v1/play_session/{scope}: three literal scopes
                assert {("POST", f"/v1/play_session/{s}") for s in ("collection", "track", "playlist")} <= covered
                continue
            assert (method.upper(), generic) in covered, (method, path)


def test_route_list_covers_the_app(app):
    """Every Bearer route this server defines is in the matrix (new routes cannot be forgotten)."""
    import re

    session_authorised = {
        "/v1/upload_session/{}", "/v1/upload/{}/track", "/v1/play_session/{}", "/v1/play/{}/{}",
        "/v1/play/{}/{}/{}/download", "/v1/share/{}", "/v1/ping",
        "/v1/upload/{}/track/{}",  # Tonearm's upload status read, authorised by the upload session
    }
    ids = [str(uuid.uuid4()) for _ in range(12)]
    covered = {(r.method, re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|(?<=/transcript/)en$", "{}", r.path.split("?")[0]))
               for r in routes(World(*ids))}
    from fastapi.routing import iter_route_contexts  # app.routes holds included routers, not their routes

    seen = 0
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/v1/"):
            continue
        generic = re.sub(r"\{[^}]+\}", "{}", path)
        for method in getattr(route, "methods", set()) - {"HEAD"}:
            if generic in session_authorised and method == "GET" or (generic, method) in (
                    ("/v1/upload/{}/track", "POST"), ("/v1/play/{}/{}/event", "POST")):  # the session is the bearer
                continue
            if generic == "/v1/play_session/{}" and method == "POST":
                assert {("POST", f"/v1/play_session/{s}") for s in ("collection", "track", "playlist")} <= covered
                continue
            assert (method, generic) in covered, (method, path)
            seen += 1
    assert seen > 30, f"only {seen} Bearer routes found: the walk over the app's routes is broken"


def test_unauthenticated_callers_get_401_everywhere(client, world):
    check_matrix(client, world, UNAUTHENTICATED)


def test_malformed_authorization_headers_get_401(client, world):
    # Every route with one of the malformed headers (in rotation), and one route with all of them.
    cases = [(route, MALFORMED_HEADERS[n % len(MALFORMED_HEADERS)]) for n, route in enumerate(routes(world))]
    cases += [(routes(world)[0], headers) for headers in MALFORMED_HEADERS]
    for route, headers in cases:
        r = call(client, route, headers)
        assert_error_envelope(r, 401, f"{headers} {route.method} {route.path}")


def test_overlong_and_lowercase_bearer(client, world, org):
    r = client.get("/v1/collection", headers={"Authorization": "Bearer " + "x" * 500})
    assert_error_envelope(r, 401)
    # The scheme is case-insensitive.
    r = client.get("/v1/collection", headers={"Authorization": f"bearer {org.api_key}"})
    assert r.status_code == 200, r.text


def test_wrong_key_types_get_403(client, world):
    check_matrix(client, world, ("player", "uploader", "share"))


def test_other_organizations_key_gets_404_on_this_orgs_ids(client, world, other_org):
    check_matrix(client, world, ("other_org",))
    # ... and lists show only its own organization's objects.
    for path, name in (("/v1/collection", "collections"), ("/v1/creator", "creators"), ("/v1/playlist", "playlists")):
        r = client.get(path, headers=other_org.headers)
        mine = {o["id"] for o in client.get(path, headers=world.keys["api"]).json()[name]}
        assert not {o["id"] for o in r.json()[name]} & mine


def test_api_key_is_allowed_everywhere(client, world):
    for route in routes(world):
        r = call(client, route, world.keys["api"])
        assert r.status_code == 200, f"{route.method} {route.path}: {r.text}"
        if not r.headers["content-type"].startswith("application/json"):
            continue  # GET /v1/feeds.opml answers OPML
        body = r.json()
        assert body["ok"] is True and isinstance(body["api_request_id"], str), route


# ------------------------------------------------------------------ player keys


def play(client, key_headers, scope, **body):
    return client.post(f"/v1/play_session/{scope}", json=body, headers=key_headers)


def test_player_key_collection_scope(client, world, org):
    w = world
    t_a2 = make_ready_track(client, org, org.settings, w.col_a)["track_id"]
    key = bearer(mint(org, "player", collection_id=w.col_a))
    assert play(client, key, "collection", collection_id=w.col_a).status_code == 200
    assert play(client, key, "track", track_id=w.t_a).status_code == 200
    assert_error_envelope(play(client, key, "collection", collection_id=w.col_b), 403)
    assert_error_envelope(play(client, key, "track", track_id=w.t_b), 403)
    # A playlist with a track outside the key's collection is refused; one inside is fine.
    inside = _ok(client.post("/v1/playlist", json={"title": "in", "track_ids": [w.t_a, t_a2]}, headers=org.headers))
    outside = _ok(client.post("/v1/playlist", json={"title": "out", "track_ids": [w.t_a, w.t_b]}, headers=org.headers))
    assert play(client, key, "playlist", playlist_id=inside["playlist_id"]).status_code == 200
    assert_error_envelope(play(client, key, "playlist", playlist_id=outside["playlist_id"]), 403)


def test_player_key_track_scope(client, world, org):
    w = world
    t_a2 = make_ready_track(client, org, org.settings, w.col_a)["track_id"]
    key = bearer(mint(org, "player", collection_id=w.col_a, track_id=w.t_a))
    r = play(client, key, "track", track_id=w.t_a)
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["tracks"]] == [w.t_a]
    assert_error_envelope(play(client, key, "track", track_id=t_a2), 403)  # same collection, other track
    assert_error_envelope(play(client, key, "track", track_id=w.t_b), 403)
    assert_error_envelope(play(client, key, "collection", collection_id=w.col_a), 403)
    assert_error_envelope(play(client, key, "playlist", playlist_id=w.playlist), 403)


def test_player_key_creator_scope(client, world, org):
    w = world
    col_c = _ok(client.post("/v1/collection", json={"title": "C", "creator_id": w.creator}, headers=org.headers))
    col_c = col_c["collection_id"]
    make_ready_track(client, org, org.settings, col_c)
    key = bearer(mint(org, "player", creator_id=w.creator))
    assert play(client, key, "collection", collection_id=col_c).status_code == 200
    assert_error_envelope(play(client, key, "collection", collection_id=w.col_a), 403)


def test_player_key_variant_restriction(client, world, org):
    w = world
    key = bearer(mint(org, "player", variants=["lq"]))
    assert_error_envelope(play(client, key, "collection", collection_id=w.col_a, variants=["hq"]), 403)
    assert_error_envelope(play(client, key, "collection", collection_id=w.col_a, variants=["lq", "hq"]), 403)
    r = play(client, key, "collection", collection_id=w.col_a, variants=["lq"])
    assert r.status_code == 200 and r.json()["play_session"]["variants"] == ["lq"]
    # No variants asked: the session takes the key's variants, not the server default ladder.
    r = play(client, key, "collection", collection_id=w.col_a)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["play_session"]["variants"] == ["lq"]
    assert [v["variant"]["index"] for v in body["first_track"]["variants"]] == ["lq"]


def test_unrestricted_player_key_defaults_to_server_ladder(client, world, org, settings):
    r = play(client, bearer(mint(org, "player")), "collection", collection_id=world.col_a)
    assert r.status_code == 200
    assert r.json()["play_session"]["variants"] == list(settings.default_play_variants)


def test_revoked_and_expired_client_keys_get_401(client, world, org, settings):
    w = world
    for key in (
        revoked_key(settings, org.id, "player"),
        mint(org, "player", expires_at=PAST),
    ):
        assert_error_envelope(play(client, bearer(key), "collection", collection_id=w.col_a), 401)
    for key in (revoked_key(settings, org.id, "uploader"), mint(org, "uploader", expires_at=PAST)):
        r = client.post("/v1/upload_session", json={"collection_id": w.col_a}, headers=bearer(key))
        assert_error_envelope(r, 401)
    # A key whose expiry is in the future still works.
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert play(client, bearer(mint(org, "player", expires_at=future)), "collection", collection_id=w.col_a).status_code == 200


def test_other_orgs_player_key_cannot_play_this_orgs_collection(client, world, other_org):
    key = bearer(mint(other_org, "player"))
    assert_error_envelope(play(client, key, "collection", collection_id=world.col_a), 404)
    assert_error_envelope(play(client, key, "track", track_id=world.t_a), 404)
    assert_error_envelope(play(client, key, "playlist", playlist_id=world.playlist), 404)


# ---------------------------------------------------------------- uploader keys


def test_uploader_key_scopes(client, world, org):
    w = world
    scoped = bearer(mint(org, "uploader", collection_id=w.col_a))
    r = client.post("/v1/upload_session", json={"collection_id": w.col_a}, headers=scoped)
    assert r.status_code == 200, r.text
    # Without collection_id the session lands in the key's collection.
    r = client.post("/v1/upload_session", json={}, headers=scoped)
    assert r.status_code == 200, r.text
    assert r.json()["upload_session"]["collection_id"] == w.col_a
    assert_error_envelope(client.post("/v1/upload_session", json={"collection_id": w.col_b}, headers=scoped), 403)
    unscoped = bearer(mint(org, "uploader"))
    assert_error_envelope(client.post("/v1/upload_session", json={}, headers=unscoped), 400)
    r = client.post("/v1/upload_session", json={"collection_id": w.col_b}, headers=unscoped)
    assert r.status_code == 200 and r.json()["upload_session"]["collection_id"] == w.col_b
    # Uploader keys cannot read or play anything.
    assert_error_envelope(play(client, scoped, "collection", collection_id=w.col_a), 403)
    assert_error_envelope(client.get(f"/v1/collection/{w.col_a}", headers=scoped), 403)


def test_other_orgs_uploader_key_gets_404(client, world, other_org):
    r = client.post("/v1/upload_session", json={"collection_id": world.col_a}, headers=bearer(mint(other_org, "uploader")))
    assert_error_envelope(r, 404)


# ------------------------------------------------------------------- share keys


def test_share_key_redirects_to_signed_delivery_url(client, world, org):
    key = mint(org, "share", collection_id=world.col_a, track_id=world.t_a, variants=["lq"])
    for method in ("GET", "HEAD"):
        r = client.request(method, f"/v1/share/{key}", follow_redirects=False)
        assert r.status_code == 302, r.text
        location = r.headers["location"]
        assert location.startswith("http://testserver/d/") and "verify=" in location
        assert "_lq.mp3" in location
    got = client.get(location.removeprefix("http://testserver"))
    assert got.status_code == 200
    assert got.content.startswith(b"ID3")


def test_share_key_errors(client, world, org, settings):
    # The variant has no file for this track → 404; unknown / revoked / non-share keys → 401.
    missing = mint(org, "share", collection_id=world.col_a, track_id=world.t_a, variants=["preview"])
    assert_error_envelope(client.get(f"/v1/share/{missing}", follow_redirects=False), 404)
    revoked = revoked_key(settings, org.id, "share", collection_id=world.col_a, track_id=world.t_a, variants=["lq"])
    for key in ("nope", revoked, mint(org, "player"), org.api_key):
        assert_error_envelope(client.get(f"/v1/share/{key}", follow_redirects=False), 401, key)


# --------------------------------------------------- session-authorised routes


def test_session_authorised_routes_ignore_authorization(client, world, org, other_org, settings):
    w = world
    up = _ok(client.post("/v1/upload_session", json={"collection_id": w.col_a}, headers=org.headers))
    ps = _ok(client.post("/v1/play_session/collection", json={"collection_id": w.col_a, "is_downloadable": True},
                         headers=org.headers))
    usid, psid = up["upload_session_id"], ps["play_session_id"]
    header_sets = [
        {},
        bearer("garbage-key"),
        bearer(revoked_key(settings, org.id)),
        bearer(mint(org, "api", expires_at=PAST)),
        other_org.headers,
        bearer(mint(other_org, "player")),
        bearer(mint(org, "share", collection_id=w.col_a, track_id=w.t_a, variants=["lq"])),
        org.headers,
    ]
    for headers in header_sets:
        calls = [
            client.get(f"/v1/upload_session/{usid}", headers=headers),
            client.post(f"/v1/upload/{usid}/track", json={"file_name": "a.mp3"}, headers=headers),
            client.get(f"/v1/play_session/{psid}", headers=headers),
            client.get(f"/v1/play/{psid}/{w.t_a}", headers=headers),
            client.get(f"/v1/play/{psid}/{w.t_a}/hq/download", headers=headers),
        ]
        event = client.post(f"/v1/play/{psid}/{w.t_a}/event", json={"type": "complete"}, headers=headers)
        assert event.status_code == 202 and event.json()["ok"] is True, f"{headers} event: {event.text}"
        for r in calls:
            assert r.status_code == 200, f"{headers} {r.request.method} {r.request.url.path}: {r.text}"
            assert r.json()["ok"] is True


def test_session_routes_errors_are_enveloped(client, world):
    sid = uuid.uuid4()
    for r in (
        client.get(f"/v1/upload_session/{sid}"),
        client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3"}),
        client.get(f"/v1/play_session/{sid}"),
        client.get(f"/v1/play/{sid}/{world.t_a}"),
        client.get(f"/v1/play/{sid}/{world.t_a}/hq/download"),
        client.post(f"/v1/play/{sid}/{world.t_a}/event", json={"type": "play"}),
    ):
        assert_error_envelope(r, 404, r.request.url.path)
