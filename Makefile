# Tonearm: two commands on a fresh machine
#   make run   - create .venv from requirements.lock if missing, serve on http://127.0.0.1:8000
#   make test  - create .venv if missing, run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test venv lock clean bench load

$(VENV)/.installed: requirements.lock pyproject.toml scripts/pick-python.sh
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  interp=$$(bash scripts/pick-python.sh); \
	  echo "tonearm: creating $(VENV) with $$interp ($$($$interp -c 'import sys; print(sys.version.split()[0])'))"; \
	  $$interp -m venv $(VENV); \
	fi; \
	$(PY) -m pip install -q --upgrade pip; \
	$(PY) -m pip install -q --require-hashes -r requirements.lock; \
	$(PY) -m pip install -q --no-deps -e .; \
	touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/tonearm serve --host $(HOST) --port $(PORT)

test: venv
	bash scripts/test-deps.sh
	$(PY) -m pytest $(PYTEST_ARGS)

lock:
	uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes -o requirements.lock

bench: venv
	$(PY) bench/play_hot_path.py

# The fault and load benchmarks (docs/hardening.md); `make test` runs the chaos run as is and the load run small.
load: venv
	$(PY) bench/chaos_worker.py --uploads 100 --kills 5
	$(PY) bench/load_mixed.py --uploaders 50 --tracks 10 --listeners 200

clean:
	rm -rf $(VENV) data
