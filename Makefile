PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The web process's port (`make run PORT=8001` when 8000 is taken); honcho gives it to `web`,
# the Procfile's first line.
PORT ?= 8000

.PHONY: run test lint format clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start -f Procfile -p $(PORT)

test: $(STAMP)
	$(BIN)/pytest -q

# Benchmarks on PostgreSQL + Redis at 127.0.0.1 (bench/README.md), not in `make test`;
# `make bench BENCH_ARGS=--quick` is a smoke run.
bench: $(STAMP)
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python -m bench.latency $(BENCH_ARGS)
	$(BIN)/python -m bench.fanout $(BENCH_ARGS)
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)
	$(BIN)/python -m bench.queries $(BENCH_ARGS)
	$(BIN)/python -m bench.embedded $(BENCH_ARGS)
	$(BIN)/python -m bench.workspace $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3
