# The front door: `make run` serves the API, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: install lock lock-upgrade lock-generator run test lint typecheck imports unit bench clean

# Installs exactly what requirements.lock pins (hash-checked, build tools included), then
# the project itself without resolving anything; the stamp keeps repeat runs instant.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# `make lock` after editing pyproject.toml's dependencies (keeps every other pin);
# `make lock-upgrade` moves every pin to the newest release the bounds allow.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --extra dev --build-deps-for editable \
	--output-file $(LOCK) pyproject.toml

lock: $(STAMP)
	$(PIP_COMPILE)

lock-upgrade: $(STAMP)
	$(PIP_COMPILE) --upgrade

# The generated-client test's openapi-python-client has a lock of its own, installed into
# .venv-generator/ by the test itself: this moves it to the newest release.
GENERATOR := tests/e2e/generator
lock-generator: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		--output-file $(GENERATOR)/generator.lock $(GENERATOR)/generator.in

# `clientbook serve`: applies pending migrations (SQLite ./clientbook.db by default), then serves.
run: $(STAMP)
	$(BIN)/clientbook serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

imports: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint imports typecheck
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

# ~32 minutes on 2 cores in all (PostgreSQL + wrk, see docs/performance.md): the statement
# count, the 4-connection pass and the logins (~13 min), then the concurrency scenario,
# 32 and 128 connections with the database apart from and sharing the server's core
# (~17 min), then the web pages (~1 min). BENCH_ARGS=--smoke checks the tooling in about two minutes;
# BENCH_ARGS="--no-steady --no-login" runs the concurrency scenario alone. Then (--growth)
# growth with data, bench/growth.py: a 200,000-meeting book seeded once and kept (~3 min).
bench: $(STAMP)
	$(BIN)/python -m bench.run --growth $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-generator .mypy_cache .pytest_cache .ruff_cache
