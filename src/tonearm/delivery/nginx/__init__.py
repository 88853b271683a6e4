"""nginx checks Tonearm's delivery URL signatures itself (njs), so a valid `/d/{name}` read never
reaches Python: the script (`tonearm_verify.js`, beside this file) and the nginx configuration
pieces around it, which `tonearm nginx-config` prints, `tonearm nginx-secrets` writes, and the
tests and `bench/scale.py` run.

With `TONEARM_DELIVERY=accel` and local storage, the `/d/` location asks the script for the
object's file; when the URL is valid and the file is on disk, nginx sends it (Range, HEAD,
ETag/304) with Tonearm's headers. Anything else goes to Tonearm through a named location, where
the accel path answers as without this location. docs/deploy.md, "nginx verifies", says what
this gives up (delivery analytics of the reads nginx answers alone)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tonearm.storage.mime import DEFAULT, MIME

SCRIPT_DIR = Path(__file__).resolve().parent
SCRIPT = "tonearm_verify.js"
# Debian's libnginx-mod-http-js (scripts/nginx-deps.sh); other builds put it elsewhere.
NJS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"
FALLBACK = "@tonearm"
# What api/middleware.py adds to every answer, /d/ included (browsers on other origins read these).
CORS_EXPOSE = ("Content-Length, Content-Range, Accept-Ranges, ETag, Content-Disposition, X-Request-Id, "
               "Retry-After")
_HEX = re.compile(r"^[0-9a-f]{16,128}$")


def secrets_include(keys: Sequence[str]) -> str:
    """The nginx include holding the delivery signer's subkeys (current first, then the previous
    one during a rotation) and nothing else: never the SECRET_KEY they derive from."""
    if not keys or not all(_HEX.match(k) for k in keys):
        raise ValueError("delivery subkeys are lower-case hex strings")
    return ("# Tonearm delivery URL subkeys (tonearm nginx-secrets): current first, then the previous.\n"
            "# Secret: readable by the nginx master (root) only. Re-run after a key rotation, then nginx -s reload.\n"
            f'js_var $tonearm_delivery_keys "{" ".join(keys)}";\n')


def main_block(module: str = NJS_MODULE) -> str:
    """The main-context line that loads njs (Debian's /etc/nginx/modules-enabled does it already)."""
    return f"load_module {module};\n"


def http_block(secrets_file: str | Path, script_dir: str | Path = SCRIPT_DIR) -> str:
    """The `http` context lines: the script, its variables, the secrets include."""
    return f"""
    js_path {script_dir};
    js_import tonearm_verify from {SCRIPT};
    js_set $tonearm_file tonearm_verify.file;
    js_set $tonearm_cache_control tonearm_verify.cacheControl;
    js_set $tonearm_disposition tonearm_verify.contentDisposition;
    include {secrets_file};
"""


def _types(indent: str) -> str:
    pairs = [f"{indent}    {mime} {ext};" for ext, mime in sorted(MIME.items())]
    return f"{indent}types {{\n" + "\n".join(pairs) + f"\n{indent}}}\n{indent}default_type {DEFAULT};"


def delivery_location(objects_root: str | Path, *, fallback: str = FALLBACK, indent: str = "        ") -> str:
    """`location /d/` for a `server` block: nginx sends the file when the script vouches for the
    URL, with Tonearm's Content-Type table, Cache-Control, Content-Disposition and CORS headers;
    otherwise the request goes to `fallback` (a named location proxying to Tonearm)."""
    i = indent
    return f"""
{i}location /d/ {{              # njs checks the signed URL; see docs/deploy.md, "nginx verifies"
{i}    root {objects_root};     # the file:// storage root
{_types(i + "    ")}
{i}    try_files $tonearm_file {fallback};
{i}    add_header Cache-Control $tonearm_cache_control;
{i}    add_header Content-Disposition $tonearm_disposition;
{i}    add_header Access-Control-Allow-Origin "*";
{i}    add_header Access-Control-Expose-Headers "{CORS_EXPOSE}";
{i}    add_header X-Request-Id $request_id;
{i}}}"""


def config_snippet(*, objects_root: str | Path, secrets_file: str | Path, upstream: str,
                   accel_prefix: str = "/_tonearm_objects/", script_dir: str | Path = SCRIPT_DIR) -> str:
    """What `tonearm nginx-config` prints: the three places the lines go, with the accel
    location and the fallback to Tonearm they rely on."""
    prefix = "/" + accel_prefix.strip("/") + "/"
    return f"""# --- main context (top of nginx.conf; not needed where /etc/nginx/modules-enabled loads njs)
{main_block()}
# --- http {{ … }} context
{http_block(secrets_file, script_dir).strip(chr(10))}

# --- server {{ … }} context, beside your `location /` that proxies to Tonearm
{delivery_location(objects_root, indent="").strip(chr(10))}
location {FALLBACK} {{              # what njs does not vouch for: Tonearm decides (403/404 envelope, DB lookups)
    proxy_pass http://{upstream};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
}}
location {prefix} {{    # TONEARM_ACCEL_PREFIX, for the reads Tonearm answers with X-Accel-Redirect
    internal;
    alias {str(objects_root).rstrip("/")}/;
}}
"""
