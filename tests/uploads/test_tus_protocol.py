"""tus 1.0.0 section by section (core, creation, creation-with-upload, expiration, checksum,
termination, OPTIONS, CORS) against the app, on SQLite and PostgreSQL, local disk."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import uuid

from tests.uploads.tus_helpers import TUS, checksum, create, head, patch, rel, session_track
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.uploads.models import TusUpload

DATA = bytes(range(256)) * 4096  # 1 MiB


def _track(settings, tid) -> Track:
    with session_scope(settings.database_url) as db:
        t = db.get(Track, uuid.UUID(tid))
        db.expunge(t)
        return t


def test_options_advertises_capabilities(client, settings):
    r = client.options(f"/u/{uuid.uuid4()}/tus")  # capability discovery needs no signature
    assert r.status_code == 204
    assert r.headers["tus-version"] == "1.0.0" and r.headers["tus-resumable"] == "1.0.0"
    assert set(r.headers["tus-extension"].split(",")) == {"creation", "creation-with-upload", "expiration",
                                                         "checksum", "termination"}
    assert r.headers["tus-max-size"] == str(settings.max_upload_bytes)
    assert r.headers["tus-checksum-algorithm"].split(",") == ["sha1", "sha256"]


def test_cors_preflight_and_exposed_headers(client, org):
    created = session_track(client, org)
    pre = client.options(rel(created["track_upload_resumable"]["url"]), headers={
        "Origin": "https://label.example", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "tus-resumable, upload-offset, content-type"})
    assert pre.status_code == 204
    assert "PATCH" in pre.headers["access-control-allow-methods"]
    assert "upload-offset" in pre.headers["access-control-allow-headers"]
    status, headers = create(client, created, len(DATA), Origin="https://label.example")
    assert status == 201
    exposed = {h.strip().lower() for h in headers["access-control-expose-headers"].split(",")}
    assert {"location", "upload-offset", "upload-length", "tus-resumable", "upload-expires"} <= exposed


def test_core_creation_head_patch_complete(client, org, settings, queue):
    created = session_track(client, org)
    handle = created["track_upload_resumable"]
    assert handle["protocol"] == "tus" and handle["chunk_size"] == settings.tus_chunk_bytes
    assert created["track_upload"]["method"] == "PUT"  # the AudioDN handle is unchanged
    meta = "filename bWFzdGVyLndhdg==,is_confidential"
    status, headers = create(client, created, len(DATA), **{"Upload-Metadata": meta})
    assert status == 201 and headers["tus-resumable"] == "1.0.0"
    location = headers["location"]
    assert location.startswith(f"http://testserver/u/{created['track_id']}/tus/") and "verify=" in location
    expires = email.utils.parsedate_to_datetime(headers["upload-expires"])
    assert expires > dt.datetime.now(dt.UTC)
    h = head(client, location)
    assert h.status_code == 200 and h.headers["upload-offset"] == "0"
    assert h.headers["upload-length"] == str(len(DATA)) and h.headers["cache-control"] == "no-store"
    assert h.headers["upload-metadata"] == meta
    r = patch(client, location, 0, DATA[:300_000])
    assert r.status_code == 204 and r.headers["upload-offset"] == "300000" and "upload-expires" in r.headers
    assert head(client, location).headers["upload-offset"] == "300000"
    assert _track(settings, created["track_id"]).upload_state == "receiving"
    r = patch(client, location, 300_000, DATA[300_000:])
    assert r.status_code == 204 and r.headers["upload-offset"] == str(len(DATA))
    track = _track(settings, created["track_id"])
    assert track.upload_state == "stored" and track.track_status_id == "processing" and track.size == len(DATA)
    assert [name for name, _ in queue.jobs] == ["processing.track"]  # one job
    local = settings.storage_url.removeprefix("file://")
    with open(f"{local}/{track.original_key}", "rb") as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(DATA).digest()
    assert head(client, location).headers["upload-offset"] == str(len(DATA))
    again = patch(client, location, len(DATA), b"")  # a repeated final PATCH changes nothing
    assert again.status_code == 204 and [name for name, _ in queue.jobs] == ["processing.track"]
    assert not list((settings.data_dir / "tus").iterdir())  # staging removed


def test_wrong_offset_409_and_bad_requests(client, org):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    assert patch(client, location, 0, DATA[:1000]).status_code == 204
    r = patch(client, location, 0, DATA[:1000])
    assert r.status_code == 409 and r.json()["ok"] is False and r.headers["tus-resumable"] == "1.0.0"
    assert patch(client, location, 5000, DATA[:10]).status_code == 409
    bad_type = client.patch(rel(location), content=b"x", headers={**TUS, "Upload-Offset": "1000",
                                                                  "Content-Type": "application/json"})
    assert bad_type.status_code == 415
    no_version = client.patch(rel(location), content=b"x", headers={
        "Upload-Offset": "1000", "Content-Type": "application/offset+octet-stream"})
    assert no_version.status_code == 412 and no_version.headers["tus-version"] == "1.0.0"
    for offset in ("-1", "abc", "1e3"):
        assert patch(client, location, offset, b"x").status_code == 400
    assert head(client, location).headers["upload-offset"] == "1000"


def test_over_length_413(client, org, settings):
    created = session_track(client, org, file_size=len(DATA))
    assert create(client, created, len(DATA) + 1)[0] == 413  # over the declared file_size
    assert create(client, created, settings.max_upload_bytes + 1)[0] == 413
    location = create(client, created, len(DATA))[1]["location"]
    assert patch(client, location, 0, DATA + b"extra").status_code == 413
    assert head(client, location).headers["upload-offset"] == "0"


def test_creation_with_upload(client, org, settings):
    created = session_track(client, org)
    r = client.post(rel(created["track_upload_resumable"]["url"]), content=DATA[:4096], headers={
        **TUS, "Upload-Length": str(len(DATA)), "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 201 and r.headers["upload-offset"] == "4096"
    assert patch(client, r.headers["location"], 4096, DATA[4096:]).headers["upload-offset"] == str(len(DATA))
    assert _track(settings, created["track_id"]).track_status_id == "processing"


def test_checksum_sha1_sha256_and_mismatch_460(client, org, settings):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    half = len(DATA) // 2
    r = patch(client, location, 0, DATA[:half], **{"Upload-Checksum": checksum("sha1", DATA[:half])})
    assert r.status_code == 204 and r.headers["upload-offset"] == str(half)
    wrong = patch(client, location, half, DATA[half:], **{"Upload-Checksum": checksum("sha256", b"other")})
    assert wrong.status_code == 460 and wrong.headers["tus-resumable"] == "1.0.0"
    assert head(client, location).headers["upload-offset"] == str(half)  # the chunk was discarded
    assert patch(client, location, half, DATA[half:], **{"Upload-Checksum": "md5 AAAA"}).status_code == 400
    r = patch(client, location, half, DATA[half:], **{"Upload-Checksum": checksum("sha256", DATA[half:])})
    assert r.status_code == 204 and _track(settings, created["track_id"]).track_status_id == "processing"


def test_termination_cleans_up_and_put_works_again(client, org, settings):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    patch(client, location, 0, DATA[:1000])
    assert list((settings.data_dir / "tus").iterdir())
    r = client.delete(rel(location), headers=TUS)
    assert r.status_code == 204 and r.headers["tus-resumable"] == "1.0.0"
    assert head(client, location).status_code == 404
    assert patch(client, location, 1000, DATA[1000:2000]).status_code == 404
    assert not list((settings.data_dir / "tus").iterdir())
    assert _track(settings, created["track_id"]).upload_state == "pending"
    assert client.put(rel(created["track_upload"]["upload_url"]), content=DATA).status_code == 200


def test_put_and_tus_exclude_each_other(client, org):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    put = client.put(rel(created["track_upload"]["upload_url"]), content=DATA)
    assert put.status_code == 409 and "tus" in put.json()["message"]
    assert create(client, created, len(DATA))[0] == 409  # a second tus upload for the same track
    assert patch(client, location, 0, DATA).status_code == 204
    other = session_track(client, org)
    assert client.put(rel(other["track_upload"]["upload_url"]), content=DATA).status_code == 200
    assert create(client, other, len(DATA))[0] == 403  # already stored


def test_signature_and_binding(client, org, settings):
    created, other = session_track(client, org), session_track(client, org)
    url = rel(created["track_upload_resumable"]["url"])
    assert client.post(url.replace("verify=", "verify=x"), headers={**TUS, "Upload-Length": "10"}).status_code == 403
    swapped = url.replace(created["track_id"], other["track_id"])  # bound to its track
    assert client.post(swapped, headers={**TUS, "Upload-Length": "10"}).status_code == 403
    location = create(client, created, len(DATA))[1]["location"]
    upload_id = rel(location).split("?")[0].rsplit("/", 1)[1]
    rt = client.app.state.runtime
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    expired = rel(rt.upload_signer.url_until(f"/u/{created['track_id']}/tus/{upload_id}", past))
    r = client.head(expired, headers=TUS)
    assert r.status_code == 403  # an expired upload URL is refused
    assert patch(client, expired, 0, DATA[:10]).status_code == 403


def test_expired_upload_is_swept(client, org, settings):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    patch(client, location, 0, DATA[:1000])
    with session_scope(settings.database_url) as db:
        row = db.query(TusUpload).one()
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert head(client, location).status_code == 410
    from tonearm.uploads import tus

    assert tus.sweep(client.app.state.runtime) == 1
    assert not list((settings.data_dir / "tus").iterdir())
    with session_scope(settings.database_url) as db:
        assert db.query(TusUpload).count() == 0
    assert _track(settings, created["track_id"]).upload_state == "pending"
    assert head(client, location).status_code == 404


def test_method_override_for_proxies_that_only_pass_post(client, org):
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    r = client.post(rel(location), content=DATA[:500], headers={
        **TUS, "X-HTTP-Method-Override": "PATCH", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 204 and r.headers["upload-offset"] == "500"
    assert client.post(rel(location), headers={**TUS, "X-HTTP-Method-Override": "PUT"}).status_code == 400
    assert client.post(rel(location), headers={**TUS, "X-HTTP-Method-Override": "DELETE"}).status_code == 204
    assert head(client, location).status_code == 404
