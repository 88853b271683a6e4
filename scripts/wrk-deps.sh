#!/usr/bin/env bash
# wrk, the HTTP load generator of bench/play_hot_path.py, bench/analytics.py and bench/scale.py:
# Debian's package. Idempotent and quiet when wrk is already there.
set -eu
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
echo "wrk-deps: installing wrk"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
}
command -v wrk >/dev/null 2>&1
