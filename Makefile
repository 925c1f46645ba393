# One Makefile: `make run` serves the demo county, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOUSEHOLDS ?= 3000
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZE ?= 100000

.PHONY: run test lint typecheck check-deploy pytest pytest-postgres bench clean

# The platform alone for `make run`; test and benchmark tools (Playwright, Spark, mypy …)
# only for the targets that need them.
$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: export JIUZHU_DEBUG ?= 1
run: $(VENV)/.installed
	$(BIN)/jiuzhu migrate --noinput
	$(BIN)/jiuzhu demo --households $(DEMO_HOUSEHOLDS) --seed 1 --if-empty
	$(BIN)/jiuzhu serve --host $(HOST) --port $(PORT)

test: lint typecheck check-deploy pytest pytest-postgres

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	PYTHONPATH=src $(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy src

# Django's deployment checks on the production settings (no DEBUG, a random secret, a host
# name): any warning fails the build.
check-deploy: $(VENV)/.installed
	env -u JIUZHU_DEBUG -u DJANGO_SETTINGS_MODULE -u DATABASE_URL \
	  JIUZHU_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  JIUZHU_DATA_KEYS="k1:$$($(BIN)/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
	  JIUZHU_SEARCH_KEY="$$($(BIN)/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
	  JIUZHU_ALLOWED_HOSTS=jiuzhu.example.gov.cn JIUZHU_DATA_DIR="$$(mktemp -d)" \
	  $(BIN)/jiuzhu check --deploy --fail-level WARNING

pytest: $(VENV)/.dev-installed
	$(BIN)/pytest

# Runs the database tests again on PostgreSQL when JIUZHU_TEST_POSTGRES_URL names one
# (CI sets it; see .ci/run).
pytest-postgres: $(VENV)/.dev-installed
	@if [ -n "$$JIUZHU_TEST_POSTGRES_URL" ]; then \
	  DATABASE_URL="$$JIUZHU_TEST_POSTGRES_URL" $(BIN)/pytest -m "not e2e"; \
	else echo "PostgreSQL tests skipped: JIUZHU_TEST_POSTGRES_URL is not set"; fi

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench --size $(BENCH_SIZE)

clean:
	rm -rf $(VENV) var build *.egg-info
