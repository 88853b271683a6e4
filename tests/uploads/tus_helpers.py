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


def big_wav(path, size: int):
    """A valid WAV of exactly `size` bytes, made in blocks (hundreds of MB without holding them in
    memory): 32-bit PCM, 6 channels at 192 kHz, so 300 MB is ~65 s of audio and processing it
    stays quick."""
    import struct

    import numpy as np

    rate, channels, width = 192000, 6, 4
    frame = channels * width
    data_len = (size - 44) // frame * frame
    header = b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * frame, frame, 8 * width) + b"data" + struct.pack("<I", data_len)
    block = rate  # one second per block
    t = np.arange(block) / rate
    with open(path, "wb") as fh:
        fh.write(header)
        written, n = 0, 0
        while written < data_len:
            tone = (0.3 * np.sin(2 * np.pi * (220 + 20 * (n % 12)) * t) * 2147483647).astype("<i4")
            pcm = np.repeat(tone[:, None], channels, axis=1).tobytes()[: data_len - written]
            fh.write(pcm)
            written += len(pcm)
            n += 1
        fh.write(b"\0" * (size - 44 - data_len))  # trailing bytes past the data chunk (ignored by readers)
    return path


def start_server(server) -> None:
    """`server.start()`, with patience: on a loaded machine the first start can take over 30 s."""
    import time

    import httpx

    try:
        server.start()
        return
    except RuntimeError:
        if server.proc is None or server.proc.poll() is not None:
            raise
    deadline = time.time() + 120
    while time.time() < deadline and server.proc.poll() is None:
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log.read_text()}")
