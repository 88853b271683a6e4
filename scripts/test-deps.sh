#!/usr/bin/env bash
# Make sure the services the test suite talks to are up (PostgreSQL; Redis for later issues).
# Starts them with the machine's own commands when they are down; never skips.
set -u
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  echo "test-deps: starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "test-deps: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
fi
if [ -z "${TONEARM_TEST_DATABASE_URL:-}" ] && ! pg_up; then
  echo "test-deps: PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  exit 1
fi
# Browser tests (Playwright + Debian's chromium, axe-core from npm): their own script.
if [ -f scripts/browser-deps.sh ]; then
  bash scripts/browser-deps.sh || { echo "test-deps: browser dependencies failed" >&2; exit 1; }
fi
# The ffmpeg CLI is the loudness test's oracle: its own script too.
bash scripts/ffmpeg-deps.sh || { echo "test-deps: Debian's ffmpeg could not be installed" >&2; exit 1; }
exit 0
