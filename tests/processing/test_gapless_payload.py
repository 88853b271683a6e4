"""Play payloads publish the gapless numbers per variant and the album gain per session."""

from __future__ import annotations

import numpy as np

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.media import Loudness, render

RATE = 44100


def _pcm(seconds: float, amp: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = amp * np.sin(2 * np.pi * 330 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    return np.stack([mono, mono]).astype(np.float32)


def _upload(client, org, col, path) -> str:
    created = client.post("/v1/track", json={"collection_id": col, "file_name": path.name}, headers=org.headers).json()
    assert upload_bytes(client, created["track_upload"]["upload_url"], path.read_bytes()).status_code == 200
    return created["track_id"]


def test_collection_and_playlist_sessions_carry_album_gain(client, org, tmp_path):
    col = create_collection(client, org)["id"]
    parts = [_pcm(8.3, 0.05), _pcm(10.1, 0.5), _pcm(7.7, 0.2)]
    paths = [write_audio(tmp_path / f"t{n}.flac", "flac", rate=RATE, samples=p) for n, p in enumerate(parts)]
    ids = [_upload(client, org, col, p) for p in paths]
    whole = write_audio(tmp_path / "album.flac", "flac", rate=RATE, samples=np.concatenate(parts, axis=1))
    reference = render(whole, [Loudness()]).loudness["integrated_lufs"]

    ses = client.post("/v1/play_session/collection", json={"collection_id": col, "variants": ["hq", "lq"]},
                      headers=org.headers).json()
    album = ses["album_loudness"]
    assert album["tracks"] == 3 and abs(album["integrated_lufs"] - reference) < 0.1
    first = ses["first_track"]
    assert first["album_gain_db"] == album["gain_db"] and first["normalization_gain_db"] is not None
    # one gain for the whole album, limited so the loudest track's true peak stays under -1 dBTP
    peaks = [client.get(f"/v1/track/{t}", headers=org.headers).json()["track"]["info"]["loudness"]["true_peak_dbtp"]
             for t in ids]
    assert album["true_peak_dbtp"] == max(peaks) and album["gain_db"] <= -1.0 - max(peaks) + 1e-9
    other = client.get(f"/v1/play/{ses['play_session_id']}/{ids[1]}").json()
    assert other["album_gain_db"] == album["gain_db"] and other["normalization_gain_db"] != album["gain_db"]
    for v in first["variants"]:
        props = v["props"]
        assert props["samples"] == len(parts[0][0]) and props["sample_rate"] == RATE
        assert props["encoder_delay"] > 0 and props["padding"] >= 0

    pl = client.post("/v1/playlist", json={"title": "Mix", "track_ids": [ids[2], ids[0]]}, headers=org.headers).json()
    ses = client.post("/v1/play_session/playlist", json={"playlist_id": pl["playlist"]["id"]}, headers=org.headers).json()
    two = write_audio(tmp_path / "two.flac", "flac", rate=RATE, samples=np.concatenate([parts[2], parts[0]], axis=1))
    assert abs(ses["album_loudness"]["integrated_lufs"] - render(two, [Loudness()]).loudness["integrated_lufs"]) < 0.1
    assert ses["first_track"]["album_gain_db"] == ses["album_loudness"]["gain_db"]

    single = client.post("/v1/play_session/track", json={"track_id": ids[0]}, headers=org.headers).json()
    assert single["album_loudness"] is None and single["first_track"]["album_gain_db"] is None


def test_cmaf_rung_is_published_for_mse(client, org, tmp_path):
    col = create_collection(client, org)["id"]
    r = client.post("/v1/variant", json={"variant_type_id": "transcode", "index": "gapless", "codec": "aac",
                                         "bitrate": 160, "container": "cmaf"}, headers=org.headers)
    assert r.status_code == 200, r.text
    tid = _upload(client, org, col, write_audio(tmp_path / "a.flac", "flac", rate=48000, samples=_pcm(2.0, 0.3)))
    ses = client.post("/v1/play_session/track", json={"track_id": tid, "variants": ["gapless", "lq"]},
                      headers=org.headers).json()
    gapless, lq = ses["first_track"]["variants"]
    assert gapless["props"]["container"] == "cmaf" and gapless["props"]["mse"] is True
    assert gapless["props"]["gapless_signal"] == "elst" and lq["props"]["gapless_signal"] == "lame"
    assert gapless["content_type"] == "audio/mp4"
    assert client.post("/v1/variant", json={"variant_type_id": "transcode", "index": "bad", "codec": "mp3",
                                            "container": "cmaf"}, headers=org.headers).status_code == 400
