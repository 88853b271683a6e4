"""S3 mode's answers match /openapi.json field by field (objects closed): presigned handles with
`fields`, `complete_url`, `multipart_url`, the completion routes and the multipart plan, which only
exist with S3 storage. moto server; SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.api.openapi_check import Spec
from tests.audiogen import cover_jpeg
from tests.scale.test_s3_uploads import AUDIO, _local, _post_form, queue, settings  # noqa: F401  (fixtures)
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)


def test_s3_answers_match_the_document(client, org):
    spec = Spec(client.get("/openapi.json").json())

    def check(method: str, template: str, r, status: int = 200):
        assert r.status_code == status, r.text
        return spec.check(method, template, r)

    col = check("POST", "/v1/collection", client.post("/v1/collection", json={"title": "S3"}, headers=org.headers))
    session = check("POST", "/v1/upload_session", client.post(
        "/v1/upload_session", json={"collection_id": col["collection_id"], "track": {"file_name": "a.wav"}},
        headers=org.headers))
    assert set(session["track_upload"]) >= {"complete_url", "multipart_url"} and "fields" in session["track_cover_upload"]
    made = check("POST", "/v1/upload/{upload_session_id}/track",
                 client.post(f"/v1/upload/{session['upload_session_id']}/track", json={"file_name": "b.wav"}))
    tid, handle = made["track_id"], made["track_upload"]

    plan = check("POST", "/u/{track_id}/multipart", client.post(_local(handle["multipart_url"]), json={"size": 1000}))
    assert plan["parts"] and plan["complete_url"]
    httpx.put(handle["upload_url"], content=AUDIO).raise_for_status()
    done = check("POST", "/u/{track_id}/complete", client.post(_local(handle["complete_url"])))
    assert done["track_status_id"] == "processing" and done["size"] == len(AUDIO)
    check("GET", "/v1/upload/{upload_session_id}/track/{track_id}",
          client.get(f"/v1/upload/{session['upload_session_id']}/track/{tid}"))
    check("GET", "/v1/track/{track_id}", client.get(f"/v1/track/{tid}", headers=org.headers))

    cover = made["track_cover_upload"]
    _post_form(cover, cover_jpeg(120), "image/jpeg").raise_for_status()
    check("POST", "/u/{track_id}/cover/complete", client.post(_local(cover["complete_url"])))
    col_cover = check("POST", "/v1/collection/{collection_id}/cover",
                      client.post(f"/v1/collection/{col['collection_id']}/cover", headers=org.headers))
    handle = col_cover["collection_cover_upload"]
    _post_form(handle, cover_jpeg(100), "image/jpeg").raise_for_status()
    check("POST", "/u/collection/{collection_id}/cover/complete", client.post(_local(handle["complete_url"])))
    check("POST", "/u/{track_id}/complete", client.post(_local(session["track_upload"]["complete_url"])),
          status=409)  # nothing PUT yet: the error envelope
