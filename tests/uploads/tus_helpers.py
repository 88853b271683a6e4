"""Shared by the tus tests: an upload session track and raw tus requests on a TestClient."""

from __future__ import annotations

import base64
import hashlib

from tests.helpers import create_collection

TUS = {"Tus-Resumable": "1.0.0"}
PATCH_TYPE = {"Content-Type": "application/offset+octet-stream"}


def session_track(client, org, *, file_size: int | None = None) -> dict:
    col = create_collection(client, org)["id"]
    sid = client.post("/v1/upload_session", json={"collection_id": col}, headers=org.headers).json()["upload_session_id"]
    body = {"file_name": "master.wav"} | ({"file_size": file_size} if file_size is not None else {})
    r = client.post(f"/v1/upload/{sid}/track", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def rel(url: str) -> str:
    return url.replace("http://testserver", "")


def create(client, created: dict, length: int, **headers) -> tuple[int, dict]:
    r = client.post(rel(created["track_upload_resumable"]["url"]), headers={**TUS, "Upload-Length": str(length),
                                                                            **headers})
    return r.status_code, r.headers


def patch(client, location: str, offset: int, data: bytes, **headers):
    return client.patch(rel(location), content=data,
                        headers={**TUS, **PATCH_TYPE, "Upload-Offset": str(offset), **headers})


def head(client, location: str, **headers):
    return client.head(rel(location), headers={**TUS, **headers})


def checksum(algo: str, data: bytes) -> str:
    return f"{algo} {base64.b64encode(hashlib.new(algo, data).digest()).decode()}"
