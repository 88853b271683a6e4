#!/usr/bin/env bash
# Print the newest Python >= 3.12 found on PATH or under pyenv; fall back to 3.11.
# PyAV 19 (FFmpeg 9) needs 3.12+ and encodes MP3 ~3x faster than PyAV 18 on 3.11.
set -u
works() { "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }
candidates=()
for v in 3.14 3.13 3.12; do
  command -v "python$v" >/dev/null 2>&1 && candidates+=("$(command -v python$v)")
  if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root 2>/dev/null)
    for p in $(ls -d "$root"/versions/$v.*/bin/python$v 2>/dev/null | sort -V -r); do candidates+=("$p"); done
  fi
done
for c in "${candidates[@]}"; do
  if works "$c"; then echo "$c"; exit 0; fi
done
for c in python3.11 python3; do
  if command -v "$c" >/dev/null 2>&1 && works "$(command -v $c)"; then
    echo "tonearm: no Python >= 3.12 found, falling back to $c (PyAV 18, slower MP3)" >&2
    command -v "$c"; exit 0
  fi
done
echo "tonearm: no Python >= 3.11 found" >&2
exit 1
