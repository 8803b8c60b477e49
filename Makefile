# Two commands matter: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-spark lint install postgres chromium java spark spark-stop clean airflow

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

## make run: generate the demo store if the bucket is empty, run the daily run
## (`shopsight run`, red on this store: its injected faults make files untrusted), then check
## that every injected fault was caught as the demo's manifests predict (exit 0 if so).
run: $(STAMP)
	@$(BIN)/shopsight generate demo --if-empty
	@$(BIN)/shopsight run || { status=$$?; [ $$status -eq 1 ] || exit $$status; \
		echo; echo "shopsight run exited 1 (red), as it must while files are untrusted."; \
		echo "The demo check below says whether each fault was caught as injected."; }
	@$(BIN)/shopsight generate check-demo

## make test: the whole suite against a real PostgreSQL server and a real S3 endpoint,
## one worker per core (each test file runs whole on one worker, and the files sharing the
## stores of tests/dbt/conftest.py run together: tests/work_units.py). Spark's equality and
## property test runs here on `spark://local[1]` (its models; their data tests on the
## cluster); `make test-spark` runs the tests that need the standalone cluster (the same
## test on it, metrics, the DAG: 14-19 minutes more).
## Files go to the workers in collection order (--no-loadscope-reorder), Spark's long test
## first (tests/conftest.py): xdist's own order, files with the most tests first, left it to
## the end, with the other worker idle for its 5 minutes.
test: $(STAMP) postgres chromium java
	$(BIN)/pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=15 -m "not spark"

## Each test file in a process of its own, as in `make test`: a Spark session one test leaves
## running would be the one a later test in the same process gets back, with its catalog.
test-spark: $(STAMP) java
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder -m spark --durations=5

## make airflow: Airflow standalone (UI on http://localhost:$(AIRFLOW_PORT)) with the daily DAG.
## `make airflow AIRFLOW_PORT=8090` moves it; at most one task per core runs at once. It listens
## on 127.0.0.1 only (standalone's auth is for one person): AIRFLOW_HOST=0.0.0.0 opens it.
AIRFLOW_PORT ?= 8080
AIRFLOW_HOST ?= 127.0.0.1
CORES := $(shell nproc 2>/dev/null || echo 2)
AIRFLOW_ENV := AIRFLOW_HOME=$(CURDIR)/var/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/airflow/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
	AIRFLOW__CORE__PARALLELISM=$(CORES) AIRFLOW__API__WORKERS=1 \
	AIRFLOW__API__HOST=$(AIRFLOW_HOST) AIRFLOW__API__PORT=$(AIRFLOW_PORT) AIRFLOW__API__BASE_URL=http://localhost:$(AIRFLOW_PORT) \
	SHOPSIGHT_AIRFLOW_BASE_URL=http://localhost:$(AIRFLOW_PORT) \
	PATH=$(CURDIR)/$(BIN):$$PATH
airflow: $(STAMP)
	mkdir -p var/airflow
	$(AIRFLOW_ENV) $(BIN)/airflow db migrate >/dev/null
	$(AIRFLOW_ENV) $(BIN)/airflow pools set shopsight_warehouse 1 "DuckDB has one writer" >/dev/null
	$(AIRFLOW_ENV) $(BIN)/airflow standalone

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

## PostgreSQL server binaries (Debian's); the tests start their own server from them.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		( $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
		  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive \
		  apt-get install -y -qq postgresql >/dev/null )

## Headless Chromium (Debian's): the report test renders the daily report to a PNG with it.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
		( $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
		  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive \
		  apt-get install -y -qq chromium >/dev/null )

## Java 17 (Debian's), which Spark runs on.
java:
	@command -v java >/dev/null 2>&1 || \
		( $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
		  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive \
		  apt-get install -y -qq openjdk-17-jre-headless >/dev/null )

## make spark: a Spark standalone cluster on this machine (a master and SPARK_WORKERS
## workers, each a JVM of its own); prints the UI's address. `make spark-stop` stops it.
SPARK_PORT ?= 7077
SPARK_UI_PORT ?= 8089
SPARK_WORKERS ?= 2
spark: $(STAMP) java
	$(BIN)/shopsight spark start --port $(SPARK_PORT) --ui-port $(SPARK_UI_PORT) \
		--workers $(SPARK_WORKERS)

spark-stop: $(STAMP)
	$(BIN)/shopsight spark stop

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
