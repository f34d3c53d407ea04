# Sentinelle — developer and CI entry points.
#
#   make venv          .venv with `pip install -e '.[dev]'` (redone when pyproject.toml changes)
#   make run           the demo scenario in the web app: `sentinelle demo --serve`
#   make test          system packages + venv + throwaway PostgreSQL/PostGIS,
#                      then ruff check, mypy and pytest (what .ci/run runs)
#   make lint          ruff check src tests
#   make typecheck     mypy (configured in pyproject.toml)
#   make unit          pytest without PostgreSQL (-m "not postgres")
#   make bench-ingest  benchmarks/bench_ingest.py against a throwaway PostgreSQL/PostGIS
#   make bench-web     benchmarks/bench_web.py: 50 users on the app, 100,000 events, PostgreSQL
#   make bench-threat  benchmarks/bench_threat.py: assessments over cercles and a large grid
#   make bench-forecast benchmarks/bench_forecast.py: rolling-origin backtest, cercle-month
#   make bench-alerts  benchmarks/bench_alerts.py: POST /api/v1/alerts, figures over 100,000 alerts
#   make bench-planning benchmarks/bench_planning.py: place 30 units, 700 areas × 200 sites (HiGHS)
#   make pg-start / pg-stop   a PostgreSQL/PostGIS server to keep around while developing
#   make clean         caches, build output, ./var; `make distclean` also removes .venv
#
# Variables: PYTHON (python3), VENV (.venv), PYTEST_WORKERS (2; 0 = no xdist),
# PYTEST_ARGS, BENCH_ARGS, SENTINELLE_SHARED_DATA ($(CURDIR)/../shared/data).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SENTINELLE_SHARED_DATA ?= $(CURDIR)/../shared/data
export SENTINELLE_SHARED_DATA
PYTEST_WORKERS ?= 2
export PYTEST_WORKERS
PYTEST_ARGS ?=
export PYTEST_ARGS
export VENV
export PIP_DISABLE_PIP_VERSION_CHECK := 1

XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS))

.DEFAULT_GOAL := help
.PHONY: help venv run test lint typecheck unit bench-ingest bench-web bench-threat bench-forecast bench-alerts bench-planning system-deps \
        pg-start pg-stop clean distclean

help:
	@sed -n '2,19p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

# --- virtualenv ----------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than pyproject.toml once the install succeeded; the
# interpreter is order-only so that re-creating .venv is not needed to re-install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

venv: $(STAMP)

# --- main job ------------------------------------------------------------------
run: $(STAMP)
	$(BIN)/sentinelle demo --serve

# --- checks --------------------------------------------------------------------
system-deps:
	bash scripts/install-system-deps.sh

# Starts PostgreSQL+PostGIS, exports SENTINELLE_TEST_POSTGRES_URL, runs
# ruff check / mypy / pytest -n $(PYTEST_WORKERS), always stops the server.
test: system-deps $(STAMP)
	bash scripts/run-tests.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	env -u SENTINELLE_TEST_POSTGRES_URL \
	    $(BIN)/python -m pytest $(XDIST) -m "not postgres" $(PYTEST_ARGS)

bench-ingest: system-deps $(STAMP)
	bash scripts/run-tests.sh --with-pg $(BIN)/python benchmarks/bench_ingest.py $(BENCH_ARGS)

bench-web: system-deps $(STAMP)
	bash scripts/run-tests.sh --with-pg $(BIN)/python benchmarks/bench_web.py $(BENCH_ARGS)

bench-alerts: system-deps $(STAMP)
	bash scripts/run-tests.sh --with-pg $(BIN)/python benchmarks/bench_alerts.py $(BENCH_ARGS)

bench-threat: $(STAMP)
	$(BIN)/python benchmarks/bench_threat.py $(BENCH_ARGS)

bench-forecast: $(STAMP)
	$(BIN)/python benchmarks/bench_forecast.py $(BENCH_ARGS)

bench-planning: $(STAMP)
	$(BIN)/python benchmarks/bench_planning.py $(BENCH_ARGS)

# --- a server to keep while developing -------------------------------------------
# eval "$(make -s pg-start)" exports SENTINELLE_TEST_POSTGRES_URL in your shell.
pg-start:
	@url=$$(bash scripts/pg-test-server.sh start) && \
	    echo "export SENTINELLE_TEST_POSTGRES_URL=$$url SENTINELLE_BENCH_POSTGRES_URL=$$url"

pg-stop:
	bash scripts/pg-test-server.sh stop

# --- housekeeping ----------------------------------------------------------------
clean:
	-bash scripts/pg-test-server.sh stop
	rm -rf var build dist .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)
