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
from work_units import FilesAndSharedStores, check_sharing

# ShopSight's state folder (dbt's target and logs, one per warehouse): one per test process,
# never the user's own.
_STATE = tempfile.mkdtemp(prefix="shopsight-state-")
os.environ["SHOPSIGHT_STATE_DIR"] = _STATE
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)


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


@pytest.fixture
def local_store(tmp_path) -> tuple[Bucket, Warehouse]:  # type: ignore[no-untyped-def]
    """A clean small store in a local bucket (``tmp_path/bucket``) and an empty DuckDB
    warehouse, for tests that touch the bucket's files."""
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket, faults="none")
    warehouse = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    yield bucket, warehouse
    warehouse.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Spark tests first: they are the suite's longest, and the suite must not end on
    them (the Makefile keeps this order: --no-loadscope-reorder)."""
    items.sort(key=lambda item: "spark" not in item.path.parent.name + item.path.name)
    check_sharing(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadfile`, with the files sharing tests/dbt's stores as one unit."""
    return FilesAndSharedStores(config, log) if config.getvalue("dist") == "loadfile" else None
