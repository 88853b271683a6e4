#!/usr/bin/env bash
# Browser-test dependencies: Debian's chromium (driven by Playwright for Python) and axe-core
# from npm, pinned by tests/browser/package-lock.json. Idempotent and quiet when all is present.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "browser-deps: installing chromium"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "browser-deps: npm is needed to install axe-core" >&2
    exit 1
  fi
  echo "browser-deps: installing axe-core"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
