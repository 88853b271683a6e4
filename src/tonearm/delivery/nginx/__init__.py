"""nginx checks Tonearm's delivery URL signatures itself (njs), so a valid `/d/{name}` read never
reaches Python: the script (`tonearm_verify.js`, beside this file) and the nginx configuration
pieces around it, which `tonearm nginx-config` prints, `tonearm nginx-secrets` writes, and the
tests and `bench/scale.py` run.

With `TONEARM_DELIVERY=accel` and local storage, the `/d/` locations map the name to its object
key and ask the script about the URL; when it is valid and the file is on disk, nginx sends it (Range, HEAD,
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
    """The nginx include holding the delivery signer's subkeys (current, and the previous one
    during a rotation) and nothing else: never the SECRET_KEY they derive from."""
    if not 1 <= len(keys) <= 2 or not all(_HEX.match(k) for k in keys):
        raise ValueError("one or two delivery subkeys, lower-case hex")
    previous = keys[1] if len(keys) > 1 else ""
    return ("# Tonearm delivery URL subkeys (tonearm nginx-secrets), current and previous.\n"
            "# Secret: readable by the nginx master (root) only. Re-run after a key rotation, then nginx -s reload.\n"
            f'js_var $tonearm_delivery_key "{keys[0]}";\n'
            f'js_var $tonearm_delivery_key_previous "{previous}";\n')


def main_block(module: str = NJS_MODULE) -> str:
    """The main-context line that loads njs (Debian's /etc/nginx/modules-enabled does it already)."""
    return f"load_module {module};\n"


def http_block(secrets_file: str | Path, script_dir: str | Path = SCRIPT_DIR) -> str:
    """The `http` context lines: the script, its variables, the secrets include."""
    return f"""
    js_path {script_dir};
    js_import tonearm_verify from {SCRIPT};
    js_set $tonearm_refused tonearm_verify.verdict;
    js_var $tonearm_cache_control;
    js_var $tonearm_disposition;
    include {secrets_file};
"""


def _types(indent: str) -> str:
    pairs = [f"{indent}    {mime} {ext};" for ext, mime in sorted(MIME.items())]
    return f"{indent}types {{\n" + "\n".join(pairs) + f"\n{indent}}}\n{indent}default_type {DEFAULT};"


# storage/keys.py's delivery names as nginx regexes, and the object keys they name (key_for_delivery_name)
_NAMES = (
    (r"^/d/(?<tonearm_track>[0-9a-f]{16})_(?<tonearm_variant>[a-z0-9][a-z0-9_-]{0,63})\.(?<tonearm_ext>[a-z0-9]{1,5})$",
     "tracks/$tonearm_track/$tonearm_variant.$tonearm_ext"),
    (r"^/d/c(?<tonearm_c1>[0-9a-f]{8})(?<tonearm_c2>[0-9a-f]{4})(?<tonearm_c3>[0-9a-f]{4})(?<tonearm_c4>[0-9a-f]{4})"
     r"(?<tonearm_c5>[0-9a-f]{12})_cover_(?<tonearm_size>[a-z0-9]{1,16})\.jpg$",
     "collections/$tonearm_c1-$tonearm_c2-$tonearm_c3-$tonearm_c4-$tonearm_c5/cover_$tonearm_size.jpg"),
)


def delivery_location(objects_root: str | Path, *, fallback: str = FALLBACK, indent: str = "        ") -> str:
    """Two regex locations for a `server` block, one per kind of delivery name: nginx sends the
    file when the script vouches for the URL, with Tonearm's Content-Type table, Cache-Control,
    Content-Disposition and CORS headers; otherwise the request goes to `fallback` (a named
    location proxying to Tonearm). Other /d/ names reach the server's `location /` (Tonearm)."""
    i = indent
    out = []
    for pattern, key in _NAMES:
        out.append(f"""
{i}location ~ "{pattern}" {{
{i}    root {objects_root};     # the file:// storage root
{_types(i + "    ")}
{i}    try_files $tonearm_refused/{key} {fallback};
{i}    add_header Cache-Control $tonearm_cache_control;
{i}    add_header Content-Disposition $tonearm_disposition;
{i}    add_header Access-Control-Allow-Origin "*";
{i}    add_header Access-Control-Expose-Headers "{CORS_EXPOSE}";
{i}    add_header X-Request-Id $request_id;
{i}}}""")
    return f"\n{i}# /d/ names njs checks (docs/deploy.md, \"nginx verifies\")" + "".join(out)


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
