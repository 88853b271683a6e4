"""One nginx configuration frame for the accel test and `bench/scale.py`: a private prefix (pid,
logs and temp folders under `tmp`), sendfile with `tcp_nopush off` (the loopback setting measured in
docs/deploy.md), the caller's `http` blocks inside."""

from __future__ import annotations

import os
from pathlib import Path

FRAME = """
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


def nginx_conf(tmp: Path, blocks: str, *, workers: int = 1, connections: int = 64) -> str:
    """The whole file: `blocks` (upstreams and servers, plain nginx syntax) inside `http`."""
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers would drop to nobody
    return FRAME.format(user=user, workers=workers, connections=connections, tmp=tmp, blocks=blocks)
