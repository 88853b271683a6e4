"""One secret per purpose (HKDF subkeys of SECRET_KEY): an upload URL's key cannot sign delivery URLs
nor the other way round; server URLs without an expiry are refused; SECRET_KEY rotates with the
previous one accepted meanwhile, and API keys survive the rotation (stored again under the new pepper)."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient

from tests.helpers import create_collection, make_ready_track
from tonearm.api.app import create_app
from tonearm.auth import hashing
from tonearm.auth.models import ApiKey
from tonearm.catalog.service import create_organization
from tonearm.db.session import session_scope
from tonearm.delivery.signing import sign_path
from tonearm.jobs.queue import MemoryQueue
from tonearm.keyring import Purpose, derive


def _delivery_path(client, org, settings) -> str:
    col = create_collection(client, org)
    tid = make_ready_track(client, org, settings, col["id"])["track_id"]
    body = client.post("/v1/play_session/track", json={"track_id": tid, "variants": ["hq"]}, headers=org.headers).json()
    return body["first_track"]["variants"][0]["path"]


def test_subkeys_differ_per_purpose_and_from_the_secret():
    keys = {p: derive("s3cret", p) for p in Purpose}
    assert len(set(keys.values())) == len(Purpose) and "s3cret" not in keys.values()
    assert derive("s3cret", Purpose.DELIVERY_URL) == derive("s3cret", Purpose.DELIVERY_URL)


def test_each_route_accepts_only_its_own_subkey(client, org, settings):
    path = _delivery_path(client, org, settings)
    exp = {"expires": int(time.time()) + 600}
    good = sign_path(derive(settings.secret_key, Purpose.DELIVERY_URL), path, exp)
    assert client.get(good).status_code == 200
    for secret in (derive(settings.secret_key, Purpose.UPLOAD_URL), settings.secret_key):
        r = client.get(sign_path(secret, path, exp))
        assert r.status_code == 403 and r.json()["message"] == "Invalid URL signature"
    created = client.post("/v1/track", json={"collection_id": create_collection(client, org)["id"],
                                             "file_name": "a.mp3"}, headers=org.headers).json()
    upload = created["track_upload"]["upload_url"].replace("http://testserver", "")
    upload_path = upload.split("?")[0]
    forged = sign_path(derive(settings.secret_key, Purpose.DELIVERY_URL), upload_path, {**exp, "max": 10**9})
    assert client.put(forged, content=b"x" * 100).status_code == 403


def test_urls_without_expiry_are_refused(client, org, settings):
    path = _delivery_path(client, org, settings)
    key = derive(settings.secret_key, Purpose.DELIVERY_URL)
    for issued in (int(time.time()), 1_000_000_000):  # now, and 2001
        r = client.get(sign_path(key, path, {}, issued=issued))
        assert r.status_code == 403 and "no expiry" in r.json()["message"]


def test_rotation_keeps_urls_and_api_keys_working(settings, org):
    old, new = settings.secret_key, "rotated-" + uuid.uuid4().hex
    rotated = settings.model_copy(update={"secret_key": new, "previous_secret_key": old})
    with TestClient(create_app(rotated, queue=MemoryQueue())) as client:
        r = client.get("/v1/collection", headers=org.headers)  # an API key made under the old secret
        assert r.status_code == 200, r.text
    with session_scope(settings.database_url) as db:
        stored = db.query(ApiKey).filter(ApiKey.organization_id == org.id).one().key_hash
    assert stored == hashing.digest(derive(new, Purpose.API_KEY_PEPPER), org.api_key)  # stored anew
    finished = settings.model_copy(update={"secret_key": new, "previous_secret_key": ""})
    with TestClient(create_app(finished, queue=MemoryQueue())) as client:
        assert client.get("/v1/collection", headers=org.headers).status_code == 200
        assert client.get("/v1/collection", headers=org.headers).status_code == 200


def test_old_signatures_accepted_only_while_the_previous_secret_is_set(client, org, settings):
    path = _delivery_path(client, org, settings)
    signed = sign_path(derive(settings.secret_key, Purpose.DELIVERY_URL), path, {"expires": int(time.time()) + 600})
    new = "rotated-" + uuid.uuid4().hex
    for previous, status in ((settings.secret_key, 200), ("", 403)):
        app = create_app(settings.model_copy(update={"secret_key": new, "previous_secret_key": previous}),
                         queue=MemoryQueue())
        with TestClient(app) as other:
            assert other.get(signed).status_code == status


def test_digests_from_before_the_keyring_still_match(settings):
    plaintext = hashing.generate_key()
    with session_scope(settings.database_url) as db:
        org = create_organization(db, name="legacy")
        db.add(ApiKey(id=uuid.uuid4(), organization_id=org.id, api_key_type_id="api", title="legacy",
                      prefix=hashing.display_prefix(plaintext), key_hash=hashing.digest(settings.secret_key, plaintext)))
    with TestClient(create_app(settings, queue=MemoryQueue())) as client:
        assert client.get("/v1/collection", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200
    with session_scope(settings.database_url) as db:
        stored = db.query(ApiKey).filter(ApiKey.title == "legacy").one().key_hash
    assert stored == hashing.digest(derive(settings.secret_key, Purpose.API_KEY_PEPPER), plaintext)
