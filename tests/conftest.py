"""Shared fixtures: buckets and warehouses."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from shopsight.generate.summary import GenerationSummary
from shopsight.ingest.warehouse import Warehouse, connect
from shopsight.storage import Bucket

from support import fresh_bucket, generate_small_store

# dbt rewrites its target folder on every call; `make test` runs one pytest worker per core,
# so each test process keeps its own and no build reads another's half-written manifest.
_DBT_TARGET = tempfile.mkdtemp(prefix="shopsight-dbt-target-")
os.environ["DBT_TARGET_PATH"] = _DBT_TARGET
atexit.register(shutil.rmtree, _DBT_TARGET, ignore_errors=True)


@pytest.fixture
def bucket() -> Bucket:
    return fresh_bucket()


@pytest.fixture
def faulty_store(bucket: Bucket) -> tuple[Bucket, GenerationSummary]:
    return bucket, generate_small_store(bucket)


@pytest.fixture
def duckdb_warehouse(tmp_path) -> Warehouse:  # type: ignore[no-untyped-def]
    warehouse = connect(f"duckdb:///{tmp_path}/warehouse.duckdb")
    yield warehouse
    warehouse.close()
