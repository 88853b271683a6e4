"""One nginx configuration frame for the accel tests and `bench/scale.py`: a private prefix (pid,
logs and temp folders under `tmp`), sendfile with `tcp_nopush off` (the loopback setting measured in
docs/deploy.md), the caller's `http` blocks inside, and `main` lines before (`load_module`).
`njs_blocks` is the "nginx verifies" configuration (tonearm.delivery.nginx) around them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def installed_nginx(*, njs: bool = False) -> tuple[str | None, str]:
    """(the nginx binary, "") once scripts/nginx-deps.sh has run when something was missing (nginx,
    and with `njs` its JavaScript module); (None, why) when it could not be installed."""
    from tonearm.delivery.nginx import NJS_MODULE

    def ready() -> bool:
        return _binary() is not None and (not njs or Path(NJS_MODULE).exists())

    if ready():
        return _binary(), ""
    r = subprocess.run([str(ROOT / "scripts" / "nginx-deps.sh")], capture_output=True, text=True, timeout=600)
    if ready():
        return _binary(), ""
    return None, "scripts/nginx-deps.sh did not install " + ("nginx and njs" if njs else "nginx") + ": " + (
        r.stderr or r.stdout)[-300:]


FRAME = """
{main}
{user}
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush off;
    default_type application/octet-stream;
{blocks}
}}
"""


def nginx_conf(tmp: Path, blocks: str, *, workers: int = 1, connections: int = 64, main: str = "") -> str:
    """The whole file: `blocks` (upstreams and servers, plain nginx syntax) inside `http`, `main`
    lines (e.g. `load_module`) before everything."""
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers would drop to nobody
    return FRAME.format(main=main, user=user, workers=workers, connections=connections, tmp=tmp, blocks=blocks)


def njs_frame(secrets_file: Path) -> dict:
    """`main` and the http-level lines for "nginx verifies" (tonearm.delivery.nginx): the njs
    module, the shipped script and `secrets_file` (what `tonearm nginx-secrets` writes). `main`
    goes to `running_nginx`, `http` before the caller's servers."""
    from tonearm.delivery import nginx as njs

    return {"main": njs.main_block(), "http": njs.http_block(secrets_file)}


@contextlib.contextmanager
def running_nginx(binary: str, tmp: Path, blocks: str, port: int, *, timeout: float = 15, **frame):
    """nginx on `nginx_conf(tmp, blocks, **frame)`, up once `/healthz` on `port` answers (the
    blocks proxy it to Tonearm); stopped on exit. Why it did not start is in the error."""
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, blocks, **frame))
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "nginx.out", "wb"))
    try:
        deadline = time.time() + timeout
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.time() > deadline:
                    log = (tmp / "error.log").read_text() if (tmp / "error.log").exists() else ""
                    raise RuntimeError("nginx did not start: " + (tmp / "nginx.out").read_text() + log)
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)
