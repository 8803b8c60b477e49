"""Shared fixtures: buckets and warehouses."""

from __future__ import annotations

import pytest

from shopsight.generate.summary import GenerationSummary
from shopsight.ingest.warehouse import Warehouse, connect
from shopsight.storage import Bucket

from support import fresh_bucket, generate_small_store


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
