# clustermon: `make run` and `make test` are all a fresh clone needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANIFEST := dbt_project/target/manifest.json
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install browser run test lint dev service manifest generate clean bench

$(BIN)/clustermon: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/clustermon

# dbt's manifest, parsed once here so nothing parses at import time.
$(MANIFEST): $(BIN)/clustermon $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v target/)
	$(BIN)/python -m clustermon.transform.project
	touch $@

manifest: $(MANIFEST)

# The dbt staging models of the package tables and their yml, written from the contract's
# declaration (pipelines/clustermon/contract/tables.py); run after changing it.
generate: install
	$(BIN)/python -m clustermon.contract.staging

# The benchmarking briefs' PDFs are printed by chromium (`browser`); without it a refresh
# still publishes them as HTML and says so.
run: $(MANIFEST) browser
	$(BIN)/clustermon demo

# The briefs' PDFs and the browser tests use Debian's chromium through Playwright (no browser
# download: the machines have no network for that), installed with apt-get when missing.
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# Three workers on the CI machine's two cores: the tests wait on subprocesses (dbt, Chromium,
# the Dagster daemon) and locks, and a third worker fills those gaps (18 min 2 s against
# 19 min 50 s for two and 19 min 36 s for four; CPU 166% of 200). The refreshed homes several
# tests share are built once per run (tests/conftest.py: built_once). TEST_WORKERS=0 runs in
# one process. The 15 slowest tests are listed at the end: where the suite's time goes.
TEST_WORKERS ?= 3
test: $(MANIFEST) browser
	$(BIN)/ruff check pipelines tests
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope --durations=15

lint: install
	$(BIN)/ruff check pipelines tests
	$(BIN)/ruff format --check pipelines tests

# The Dagster UI on the same definitions and the same home as the CLI (history included),
# with the inbox sensor and the quarterly schedule running. DEV_HOME and DEV_PORT for tests.
DEV_HOME ?= $(CURDIR)/data
DEV_PORT ?= 3000
dev: $(MANIFEST)
	mkdir -p $(DEV_HOME)/dagster && cp dagster.yaml $(DEV_HOME)/dagster/dagster.yaml
	# dagster dev re-parses dbt with the `dbt` on PATH: the venv's, even when it is not active.
	PATH="$(abspath $(BIN)):$$PATH" DAGSTER_HOME=$(DEV_HOME)/dagster CLUSTERMON_HOME=$(DEV_HOME) \
		$(BIN)/dagster dev -m clustermon.definitions -d $(CURDIR)/pipelines -p $(DEV_PORT)

# Unattended operation (a managing authority's server; deploy/clustermon.service runs the same
# command under systemd): the Dagster daemon (inbox sensor, quarterly schedule, alerts) and the
# UI on the home, until SIGTERM or Ctrl-C.
SERVICE_HOME ?= $(CURDIR)/data
SERVICE_PORT ?= 3000
service: $(MANIFEST)
	$(BIN)/clustermon service --home $(SERVICE_HOME) --port $(SERVICE_PORT)

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs

# EU scale on this machine (never part of `make test`): prints and writes bench-results/bench.json.
bench: $(MANIFEST)
	$(BIN)/python -m clustermon.tools.bench
