"""Per-rung encoder settings in the variant options (issue 15): accepted, stored, validated."""

from __future__ import annotations

import pytest


def test_org_hq_mp3_with_lame_level_2(client, org):
    body = {"variant_type_id": "transcode", "index": "hq-mp3", "codec": "mp3", "bitrate": 320, "mp3_quality": 2}
    r = client.post("/v1/variant", json=body, headers=org.headers)
    assert r.status_code == 200, r.text
    listed = client.get("/v1/variant?limit=200", headers=org.headers).json()["variants"]
    assert "hq-mp3" in [v["index"] for v in listed]
    aac = {"variant_type_id": "preview", "index": "pv-aac", "codec": "aac", "bitrate": 192,
           "aac_coder": "twoloop", "aac_cutoff": 16000, "aac_intensity_stereo": False, "aac_tns": True}
    assert client.post("/v1/variant", json=aac, headers=org.headers).status_code == 200
    opus = {"variant_type_id": "transcode", "index": "op", "codec": "opus", "bitrate": 64, "opus_complexity": 5}
    assert client.post("/v1/variant", json=opus, headers=org.headers).status_code == 200


def test_settings_keep_only_what_was_given():
    from tonearm.catalog.variant_schemas import TrackVariantCreate

    body = TrackVariantCreate(variant_type_id="transcode", index="x2", codec="mp3", bitrate=128, mp3_quality=2)
    assert body.settings()["mp3_quality"] == 2 and "aac_coder" not in body.settings()
    plain = TrackVariantCreate(variant_type_id="transcode", index="x3", codec="aac")
    assert not {"mp3_quality", "aac_coder", "aac_cutoff", "opus_complexity"} & set(plain.settings())


@pytest.mark.parametrize("extra", [
    {"codec": "mp3", "mp3_quality": 10},
    {"codec": "mp3", "mp3_quality": "2"},
    {"codec": "mp3", "mp3_quality": 2.5},
    {"codec": "aac", "mp3_quality": 2},            # belongs to another codec
    {"codec": "mp3", "aac_coder": "fast"},
    {"codec": "aac", "aac_coder": "anmr"},
    {"codec": "aac", "aac_cutoff": 100},
    {"codec": "aac", "aac_cutoff": 99999},
    {"codec": "aac", "aac_intensity_stereo": "yes"},
    {"codec": "aac", "aac_tns": 1},
    {"codec": "mp3", "aac_tns": False},
    {"codec": "opus", "opus_complexity": 11},
    {"codec": "opus", "opus_complexity": -1},
])
def test_bad_encoder_settings_are_400(client, org, extra):
    body = {"variant_type_id": "transcode", "index": "bad-rung", "bitrate": 128, **extra}
    r = client.post("/v1/variant", json=body, headers=org.headers)
    assert r.status_code == 400, r.text
    assert r.json()["ok"] is False and r.json()["message"]
