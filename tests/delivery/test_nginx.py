"""The nginx pieces of "nginx verifies" (tonearm/delivery/nginx), as text; tests/scale/test_njs_nginx.py
runs them in a real nginx."""

from __future__ import annotations

import pytest

from tonearm.delivery import nginx as njs
from tonearm.keyring import Keyring, Purpose
from tonearm.storage.mime import MIME


def test_the_secrets_include_names_one_or_two_hex_subkeys():
    ring = Keyring("now", "before")
    text = njs.secrets_include(ring.keys(Purpose.DELIVERY_URL))
    current, previous = ring.keys(Purpose.DELIVERY_URL)
    assert f'js_var $tonearm_delivery_key "{current}";' in text
    assert f'js_var $tonearm_delivery_key_previous "{previous}";' in text
    alone = njs.secrets_include(Keyring("now").keys(Purpose.DELIVERY_URL))
    assert 'js_var $tonearm_delivery_key_previous "";' in alone
    for bad in ([], ["now"], ['ab"; evil'], ["ab" * 16] * 3):
        with pytest.raises(ValueError):
            njs.secrets_include(bad)


def test_the_locations_carry_tonearms_type_table_and_fall_back():
    text = njs.delivery_location("/srv/objects")
    assert text.count("location ~ ") == 2 and text.count("try_files $tonearm_refused/") == 2
    for ext, mime in MIME.items():
        assert f" {mime} {ext};" in text
    assert "tracks/$tonearm_track/$tonearm_variant.$tonearm_ext @tonearm;" in text
    assert "collections/$tonearm_c1-$tonearm_c2-$tonearm_c3-$tonearm_c4-$tonearm_c5/cover_$tonearm_size.jpg" in text


def test_the_script_ships_in_the_package():
    assert (njs.SCRIPT_DIR / njs.SCRIPT).is_file()
    assert f"js_import tonearm_verify from {njs.SCRIPT};" in njs.http_block("/etc/nginx/s.conf")
