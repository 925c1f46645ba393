# One Makefile: `make run` serves the demo county, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOUSEHOLDS ?= 3000
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZE ?= 100000

.PHONY: run test lint typecheck pytest pytest-postgres bench clean

$(BIN)/jiuzhu: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: export JIUZHU_DEBUG ?= 1
run: $(BIN)/jiuzhu
	$(BIN)/jiuzhu migrate --noinput
	$(BIN)/jiuzhu demo --households $(DEMO_HOUSEHOLDS) --seed 1 --if-empty
	$(BIN)/jiuzhu serve --host $(HOST) --port $(PORT)

test: lint typecheck pytest pytest-postgres

lint: $(BIN)/jiuzhu
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(BIN)/jiuzhu
	$(BIN)/mypy src

pytest: $(BIN)/jiuzhu
	$(BIN)/pytest

# Runs the database tests again on PostgreSQL when JIUZHU_TEST_POSTGRES_URL names one
# (CI sets it; see .ci/run).
pytest-postgres: $(BIN)/jiuzhu
	@if [ -n "$$JIUZHU_TEST_POSTGRES_URL" ]; then \
	  DATABASE_URL="$$JIUZHU_TEST_POSTGRES_URL" $(BIN)/pytest -m "not e2e"; \
	else echo "PostgreSQL tests skipped: JIUZHU_TEST_POSTGRES_URL is not set"; fi

bench: $(BIN)/jiuzhu
	$(BIN)/python -m bench --size $(BENCH_SIZE)

clean:
	rm -rf $(VENV) var build *.egg-info
