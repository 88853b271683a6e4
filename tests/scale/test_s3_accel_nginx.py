"""Delivery mode `accel` behind a real nginx: Tonearm checks the signature and answers with
X-Accel-Redirect; nginx sends the file from local storage, Range included.

nginx comes from Debian (scripts/nginx-deps.sh); the test skips, saying why, only when that fails."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from tests.e2e.server import ServerProcess, free_port
from tests.scale.nginxconf import installed_nginx, running_nginx
from tonearm.delivery.signing import sign_path
from tonearm.keyring import Purpose, derive
from tonearm.storage import keys

DATA = os.urandom(200_000)
INDEX = "00000000000000ac"


def _nginx() -> str:
    found, why = installed_nginx()
    if found is None:
        pytest.skip(why)
    return found


SERVER = """
    server {{
        listen 127.0.0.1:{port};
        location /_tonearm_objects/ {{
            internal;                      # reachable only through X-Accel-Redirect
            alias {objects}/;
        }}
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
        }}
    }}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = _nginx()
    tmp = tmp_path_factory.mktemp("accel")
    app = ServerProcess(tmp / "data", env={"TONEARM_DELIVERY": "accel", "TONEARM_RUN_WORKER": "false"},
                        args=["--no-worker"])
    objects = tmp / "data" / "objects"
    key_path = objects / keys.variant(INDEX, "lq", "mp3")
    key_path.parent.mkdir(parents=True)
    key_path.write_bytes(DATA)
    app.start()
    port = free_port()
    try:
        with running_nginx(nginx, tmp, SERVER.format(port=port, objects=objects, app_port=app.port), port):
            yield {"nginx": f"http://127.0.0.1:{port}", "app": app.url}
    finally:
        app.stop()


def _path(**params) -> str:
    name = keys.delivery_name(INDEX, "lq", "mp3")
    return sign_path(derive("e2e-secret", Purpose.DELIVERY_URL), f"/d/{name}", {"expires": int(time.time()) + 600, **params})


def test_tonearm_answers_with_x_accel_redirect(stack):
    r = httpx.get(stack["app"] + _path())
    assert r.status_code == 200 and r.content == b""
    assert r.headers["x-accel-redirect"] == "/_tonearm_objects/" + keys.variant(INDEX, "lq", "mp3")
    assert r.headers["content-type"] == "audio/mpeg"


def test_nginx_sends_the_file_with_ranges(stack):
    url = stack["nginx"] + _path(download=1, filename="Tune.mp3")
    whole = httpx.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["content-type"] == "audio/mpeg"
    assert whole.headers["content-disposition"].startswith('attachment; filename="Tune.mp3"')
    assert "x-accel-redirect" not in whole.headers
    part = httpx.get(url, headers={"Range": "bytes=150000-150999"})
    assert part.status_code == 206 and part.content == DATA[150000:151000]
    assert part.headers["content-range"] == f"bytes 150000-150999/{len(DATA)}"
    tail = httpx.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == DATA[-100:]


def test_signature_still_guards_the_files(stack):
    tampered = _path()[:-2] + "zz"
    r = httpx.get(stack["nginx"] + tampered)
    assert r.status_code == 403 and r.json()["ok"] is False and r.content != DATA
    internal = stack["nginx"] + "/_tonearm_objects/" + keys.variant(INDEX, "lq", "mp3")
    assert httpx.get(internal).status_code == 404  # the internal location is not reachable from outside
