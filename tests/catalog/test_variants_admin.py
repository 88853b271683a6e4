"""Tonearm additions: organization-wide variants (POST/DELETE /v1/variant) and a ladder from settings."""

from __future__ import annotations

import uuid

from tonearm.catalog.service import create_organization
from tonearm.db.session import session_scope
from tonearm.settings import Settings


def test_org_variant_lifecycle(client, org):
    body = {"variant_type_id": "transcode", "index": "opus-low", "codec": "opus", "bitrate": 32}
    r = client.post("/v1/variant", json=body, headers=org.headers)
    assert r.status_code == 200, r.text
    variant = r.json()["variant"]
    assert variant["index"] == "opus-low" and variant["format"] == "opus" and variant["bitrate"] == 32
    listed = client.get("/v1/variant?limit=200", headers=org.headers).json()["variants"]
    assert "opus-low" in [v["index"] for v in listed]
    assert client.post("/v1/variant", json=body, headers=org.headers).status_code == 409
    assert client.post("/v1/variant", json={**body, "index": "hq"}, headers=org.headers).status_code == 409
    assert client.post("/v1/variant", json={**body, "index": "x2", "bitrate": 999}, headers=org.headers).status_code == 400
    gone = client.delete(f"/v1/variant/{variant['id']}", headers=org.headers)
    assert gone.status_code == 200 and gone.json()["deleted_variant"]["index"] == "opus-low"
    assert client.get(f"/v1/variant/{variant['id']}", headers=org.headers).status_code == 404
    assert client.delete(f"/v1/variant/{uuid.uuid4()}", headers=org.headers).status_code == 404


def test_ladder_from_settings(database_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="s",
                        default_ladder=[{"index": "only", "variant_type_id": "transcode",
                                         "settings": {"codec": "mp3", "bitrate": 96}}])
    with session_scope(database_url) as db:
        org = create_organization(db, name="custom", ladder=settings.default_ladder)
        from tonearm.catalog.tracks import list_variants

        count, rows = list_variants(db, organization_id=org.id, limit=50, offset=0)
    assert count == 1 and rows[0].index == "only" and rows[0].settings == {"codec": "mp3", "bitrate": 96}
