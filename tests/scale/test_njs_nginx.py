"""nginx checks Tonearm's delivery URL signatures itself (njs, tonearm/delivery/nginx): a valid
signed `/d/{name}` read is answered by nginx alone, everything else goes to Tonearm (accel mode).

A real `tonearm serve` processes a generated track; its play and download URLs go through a real
nginx with Debian's njs module (scripts/nginx-deps.sh installs both; the test skips, saying why,
only when that fails). "Never reached Python" is read from Tonearm's own request metric for the
/d/ routes. The server runs mid-rotation: SECRET_KEY new, PREVIOUS_SECRET_KEY old."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess, free_port
from tests.scale.nginxconf import installed_nginx, njs_frame, running_nginx
from tonearm.delivery import nginx as njs
from tonearm.delivery.signing import sign_path
from tonearm.keyring import Purpose, derive

SECRET, PREVIOUS, RETIRED = "njs-secret-now", "njs-secret-before", "njs-secret-long-ago"

SERVER = """
    server {{
        listen 127.0.0.1:{port};
{delivery}
        location @tonearm {{
            access_log {tmp}/fallback.log;
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
        }}
        location /_tonearm_objects/ {{
            internal;
            alias {objects}/;
        }}
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
        }}
    }}"""


def _njs_nginx() -> str:
    found, why = installed_nginx(njs=True)
    if found is None:
        pytest.skip(why)
    return found


def _d_requests(app_url: str) -> int:
    """Requests Tonearm itself answered on its /d/ routes (its request-duration histogram)."""
    text = httpx.get(app_url + "/metrics").text
    return sum(int(float(n)) for n in re.findall(
        r'^tonearm_http_request_duration_seconds_count\{[^}]*route="/d/[^"]*"[^}]*\} (\S+)$', text, re.M))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = _njs_nginx()
    tmp = tmp_path_factory.mktemp("njs")
    env = {"TONEARM_DELIVERY": "accel", "TONEARM_SECRET_KEY": SECRET, "TONEARM_PREVIOUS_SECRET_KEY": PREVIOUS,
           "TONEARM_WORKER_NICE": "0"}
    app = ServerProcess(tmp / "data", env=env)
    app.env.update(env)  # ServerProcess sets its own SECRET_KEY; this run rotates
    objects = tmp / "data" / "objects"
    secrets = tmp / "tonearm-secrets.conf"
    app.start()
    try:
        subprocess.run([sys.executable, "-m", "tonearm.cli.main", "nginx-secrets", "--out", str(secrets)],
                       env=app.env, check=True, capture_output=True)
        api = httpx.Client(base_url=app.url, headers=app.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "njs"}).json()["collection_id"]
        created = api.post("/v1/track", json={"collection_id": col, "file_name": "Café «x».wav"}).json()
        audio = write_audio(tmp / "a.wav", "wav", seconds=1.5).read_bytes()
        httpx.put(created["track_upload"]["upload_url"], content=audio, timeout=60).raise_for_status()
        track_id, deadline = created["track_id"], time.time() + 240
        while (track := api.get(f"/v1/track/{track_id}").json()["track"])["track_status_id"] != "ready":
            assert track["track_status_id"] not in ("error", "incomplete", "init_error") and time.time() < deadline, track
            time.sleep(0.3)
        sid = api.post("/v1/play_session/track", json={"track_id": track_id, "is_downloadable": True}).json()
        sid = sid["play_session_id"]
        play = httpx.get(f"{app.url}/v1/play/{sid}/{track_id}").json()
        download = httpx.get(f"{app.url}/v1/play/{sid}/{track_id}/lq/download").json()
        port = free_port()
        frame = njs_frame(secrets)
        blocks = frame["http"] + SERVER.format(port=port, tmp=tmp, app_port=app.port, objects=objects,
                                               delivery=njs.delivery_location(objects))
        with running_nginx(nginx, tmp, blocks, port, timeout=60, main=frame["main"]):
            yield {"nginx": f"http://127.0.0.1:{port}", "app": app.url, "objects": objects, "secrets": secrets,
                   "play": play, "download": download, "base": track["base_path"], "tmp": tmp,
                   "app_env": app.env}
    finally:
        app.stop()


def _relative(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _variant(stack, index: str) -> tuple[str, bytes]:
    """(path+query of the play URL of variant `index`, the file's bytes)."""
    url = next(v["url"] for v in stack["play"]["variants"] if v["variant"]["index"] == index)
    rel = _relative(url)
    name = rel.split("?")[0].removeprefix("/d/")
    track_index, rest = name.split("_", 1)
    return rel, (stack["objects"] / "tracks" / track_index / rest).read_bytes()


def _signed(path: str, secret: str = SECRET, **params) -> str:
    return sign_path(derive(secret, Purpose.DELIVERY_URL), path, {"expires": int(time.time()) + 600, **params})


def test_the_secrets_include_holds_the_delivery_subkeys_only(stack):
    text = stack["secrets"].read_text()
    assert stack["secrets"].stat().st_mode & 0o777 == 0o600
    assert derive(SECRET, Purpose.DELIVERY_URL) in text and derive(PREVIOUS, Purpose.DELIVERY_URL) in text
    for other in (SECRET, PREVIOUS, derive(SECRET, Purpose.UPLOAD_URL), derive(SECRET, Purpose.API_KEY_PEPPER)):
        assert other not in text


def test_a_play_url_is_answered_by_nginx_alone(stack):
    rel, data = _variant(stack, "hq")
    before = _d_requests(stack["app"])
    part = httpx.get(stack["nginx"] + rel, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.content == data[100:1124]
    assert part.headers["content-range"] == f"bytes 100-1123/{len(data)}"
    assert part.headers["content-type"] == "audio/mp4"
    assert re.fullmatch(r"private, max-age=\d+", part.headers["cache-control"])
    assert 0 < int(part.headers["cache-control"].rsplit("=", 1)[1]) <= 86400
    assert part.headers["access-control-allow-origin"] == "*"
    assert "Content-Range" in part.headers["access-control-expose-headers"]
    assert "content-disposition" not in part.headers and part.headers["etag"]
    whole = httpx.get(stack["nginx"] + rel)
    assert whole.status_code == 200 and whole.content == data
    head = httpx.head(stack["nginx"] + rel)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(data)
    again = httpx.get(stack["nginx"] + rel, headers={"If-None-Match": whole.headers["etag"]})
    assert again.status_code == 304
    assert _d_requests(stack["app"]) == before  # not one of them reached Tonearm


def test_a_download_url_keeps_tonearms_content_disposition(stack):
    rel = _relative(stack["download"]["download"]["url"])
    from_tonearm = httpx.get(stack["app"] + rel)  # accel mode: headers, no body
    before = _d_requests(stack["app"])
    part = httpx.get(stack["nginx"] + rel, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-disposition"] == from_tonearm.headers["content-disposition"]
    assert part.headers["content-disposition"].startswith('attachment; filename="Caf_ _x_.mp3"; filename*=UTF-8')
    assert part.headers["content-type"] == from_tonearm.headers["content-type"] == "audio/mpeg"
    assert _d_requests(stack["app"]) == before


def test_disposition_names_match_tonearms_for_awkward_filenames(stack):
    _, data = _variant(stack, "lq")
    path = stack["base"] + "_lq.mp3"
    for filename in ['a"b\\c.mp3', "🎵 it's (1)*!~.mp3", "x+y%z.mp3", "", "日本"]:
        rel = _signed(path, download=1, filename=filename)
        mine = httpx.get(stack["nginx"] + rel, headers={"Range": "bytes=0-9"})
        assert mine.status_code == 206 and mine.content == data[:10]
        assert mine.headers["content-disposition"] == httpx.get(stack["app"] + rel).headers["content-disposition"]


def test_the_previous_secret_still_works_during_a_rotation(stack):
    _, data = _variant(stack, "lq")
    before = _d_requests(stack["app"])
    r = httpx.get(stack["nginx"] + _signed(stack["base"] + "_lq.mp3", PREVIOUS), headers={"Range": "bytes=5-14"})
    assert r.status_code == 206 and r.content == data[5:15]
    assert _d_requests(stack["app"]) == before


@pytest.mark.parametrize("case", ["tampered", "wrong path", "expired", "retired secret", "no expiry",
                                  "unsigned", "issued in the future", "signed query edited"])
def test_what_njs_refuses_tonearm_answers_with_its_envelope(stack, case):
    path = stack["base"] + "_lq.mp3"
    rel = {
        "tampered": _signed(path)[:-2] + ("AA" if not _signed(path).endswith("AA") else "BB"),
        "wrong path": _signed(stack["base"] + "_hq.m4a").replace("_hq.m4a", "_lq.mp3"),
        "expired": _signed(path, expires=int(time.time()) - 5),
        "retired secret": _signed(path, RETIRED),
        "no expiry": sign_path(derive(SECRET, Purpose.DELIVERY_URL), path, {}),
        "unsigned": path + f"?expires={int(time.time()) + 600}",
        "issued in the future": sign_path(derive(SECRET, Purpose.DELIVERY_URL), path,
                                          {"expires": int(time.time()) + 9999}, issued=int(time.time()) + 3600),
        "signed query edited": _signed(path).replace("expires=", "expires=1"),
    }[case]
    before = _d_requests(stack["app"])
    r = httpx.get(stack["nginx"] + rel, headers={"Range": "bytes=0-99"})
    assert r.status_code == 403, (case, r.status_code, r.text[:200])
    body = r.json()
    assert body["ok"] is False and body["message"] == httpx.get(stack["app"] + rel).json()["message"]
    assert _d_requests(stack["app"]) == before + 2  # nginx handed it to Tonearm (and so did the check above)


def test_a_bitrate_path_falls_through_to_tonearms_database_lookup(stack):
    _, data = _variant(stack, "lq")
    before = _d_requests(stack["app"])
    r = httpx.get(stack["nginx"] + _signed(stack["base"] + "_128.mp3"), headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.content == data[:100]  # lq is the 128 kbps MP3
    assert r.headers["content-type"] == "audio/mpeg"
    assert _d_requests(stack["app"]) == before + 1


def test_a_missing_file_and_an_unmapped_name_get_tonearms_404(stack):
    for path in (stack["base"] + "_nosuch.mp3", "/d/not-a-delivery-name.mp3"):
        r = httpx.get(stack["nginx"] + _signed(path))
        assert r.status_code == 404 and r.json()["ok"] is False, path


def test_the_internal_location_stays_unreachable(stack):
    rel, _ = _variant(stack, "hq")
    name = rel.split("?")[0].removeprefix("/d/")
    track_index, rest = name.split("_", 1)
    assert httpx.get(stack["nginx"] + f"/_tonearm_objects/tracks/{track_index}/{rest}").status_code == 404
    assert httpx.get(stack["nginx"] + f"/d/../tracks/{track_index}/{rest}").status_code in (400, 403, 404)


def test_a_collection_cover_name_maps_to_its_key(stack):
    import uuid

    cid = uuid.uuid4()
    key = stack["objects"] / "collections" / str(cid) / "cover_s.jpg"
    key.parent.mkdir(parents=True)
    key.write_bytes(b"\xff\xd8cover bytes")
    before = _d_requests(stack["app"])
    r = httpx.get(stack["nginx"] + _signed(f"/d/c{cid.hex}_cover_s.jpg"))
    assert r.status_code == 200 and r.content == b"\xff\xd8cover bytes" and r.headers["content-type"] == "image/jpeg"
    assert _d_requests(stack["app"]) == before


def _raw_signed(path: str, search: str, secret: str = SECRET) -> str:
    """`path?search&verify=…` signed over `search` exactly as written (sign_path would urlencode it)."""
    from tonearm.delivery.signing import _sig

    issued = str(int(time.time()))
    head = f"?{search}" if search else ""
    verify = f"{issued}-{_sig(derive(secret, Purpose.DELIVERY_URL), path + head + issued)}"
    return f"{path}{head}{'&' if search else '?'}verify={verify}"


@pytest.mark.parametrize("search", [
    "download=%31&expires={e}&filename=a%2Bb+c%C3%A9.mp3",  # escapes and + decoded as Python does
    "%65xpires={e}",                                        # an escaped name
    "expires={e}&__proto__=x&constructor=y",                # names that mean something to JavaScript
    "expires={e}&expires={past}",                           # the last value wins: expired
    "expires={past}&expires={e}",                           # ... and here it is valid
    "expires=0{e}",                                         # digits, zero-padded (Tonearm decides)
    "expires={e}&filename=%ZZ&download=1",                  # a broken escape (Tonearm decides)
    "expires=%EF%BC%91{e}",                                 # a non-ASCII digit (Tonearm decides)
    "",                                                     # nothing signed: no expiry
])
def test_odd_queries_get_the_answer_tonearm_gives(stack, search):
    _, data = _variant(stack, "lq")
    now = int(time.time())
    rel = _raw_signed(stack["base"] + "_lq.mp3", search.format(e=now + 600, past=now - 5))
    direct = httpx.get(stack["app"] + rel)  # accel mode: 200 and X-Accel-Redirect, or the refusal
    through = httpx.get(stack["nginx"] + rel, headers={"Range": "bytes=0-9"})
    if direct.status_code == 200:
        assert through.status_code == 206 and through.content == data[:10]
        assert through.headers.get("content-disposition") == direct.headers.get("content-disposition")
        assert through.headers["cache-control"].startswith("private, max-age=")
    else:
        assert through.status_code == direct.status_code and through.json()["message"] == direct.json()["message"]


def test_the_printed_config_is_one_nginx_accepts(stack, tmp_path):
    """`tonearm nginx-config`'s three parts, placed where it says, pass `nginx -t`."""
    env = {**stack["app_env"], "TONEARM_STORAGE_URL": f"file://{stack['objects']}"}
    out = subprocess.run([sys.executable, "-m", "tonearm.cli.main", "nginx-config", "--secrets", str(stack["secrets"]),
                          "--upstream", "127.0.0.1:9"], env=env, check=True, capture_output=True, text=True).stdout
    main, http, server = (part.split("\n", 1)[1] for part in out.split("# --- ")[1:])
    assert f"root {stack['objects']};" in server and "proxy_pass http://127.0.0.1:9;" in server
    conf = tmp_path / "nginx.conf"
    from tests.scale.nginxconf import nginx_conf

    conf.write_text(nginx_conf(tmp_path, http + "\n    server {\n        listen 127.0.0.1:9;\n" + server + "\n    }",
                               main=main))
    r = subprocess.run([_njs_nginx(), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_preflights_and_other_methods_reach_tonearm(stack):
    rel = _signed(stack["base"] + "_lq.mp3")
    pre = httpx.options(stack["nginx"] + rel, headers={"Origin": "https://player.example",
                                                        "Access-Control-Request-Method": "GET"})
    assert pre.status_code in (200, 204) and pre.headers["access-control-allow-origin"] == "*"
    post = httpx.post(stack["nginx"] + rel)
    assert post.status_code == 405 and post.json()["ok"] is False
