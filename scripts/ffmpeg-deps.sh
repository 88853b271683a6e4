#!/usr/bin/env bash
# Debian's ffmpeg CLI, the reference for the loudness oracle test (tests/media/test_loudness_oracle.py)
# and the baseline of the benches. Never a runtime dependency of Tonearm. Idempotent and quiet.
set -eu
command -v ffmpeg >/dev/null 2>&1 && exit 0
echo "ffmpeg-deps: installing Debian's ffmpeg"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
command -v ffmpeg >/dev/null 2>&1
