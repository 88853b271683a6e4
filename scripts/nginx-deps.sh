#!/usr/bin/env bash
# nginx for the X-Accel-Redirect tests (tests/scale/test_s3_accel_nginx.py, test_njs_nginx.py) and
# bench/scale.py: Debian's nginx and its njs module (libnginx-mod-http-js), which checks Tonearm's
# URL signatures inside nginx (docs/deploy.md, "nginx verifies"). Idempotent and quiet when both
# are there. The tests run their own nginx with a private config on a free port; the package's
# system service is neither needed nor started here.
set -eu
NJS_MODULE=/usr/lib/nginx/modules/ngx_http_js_module.so
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
if have_nginx && [ -f "$NJS_MODULE" ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
$SUDO apt-get update -qq
# policy-rc.d-free containers may try to start the service; that failing must not fail the install.
if ! have_nginx; then
  echo "nginx-deps: installing nginx"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
if [ ! -f "$NJS_MODULE" ]; then
  echo "nginx-deps: installing the njs module (libnginx-mod-http-js)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libnginx-mod-http-js >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libnginx-mod-http-js >/dev/null
fi
have_nginx && [ -f "$NJS_MODULE" ]
