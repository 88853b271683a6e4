#!/usr/bin/env bash
# nginx for the X-Accel-Redirect test (tests/scale/test_s3_accel_nginx.py): Debian's package.
# Idempotent and quiet when nginx is already there. The test runs its own nginx with a private
# config on a free port; the package's system service is neither needed nor started here.
set -eu
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "nginx-deps: installing nginx"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
$SUDO apt-get update -qq
# policy-rc.d-free containers may try to start the service; that failing must not fail the install.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
  || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
