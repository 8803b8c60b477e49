"""A generated store, ingested and built, for the warehouse tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shopsight.build import BuildSummary, build
from shopsight.generate.export import generate_retail_db
from shopsight.generate.summary import GenerationSummary
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

FIRST_DAY = date(2024, 1, 1)


@dataclass
class BuiltStore:
    bucket: Bucket
    warehouse_url: str
    generation: GenerationSummary
    build: BuildSummary


def build_store(
    folder: Path, faults: str, days: int, orders: int, changed_only: bool = False
) -> BuiltStore:
    """The store's export, ingested and built (``changed_only``: as the daily run builds,
    recording what it built from: build_state.py)."""
    bucket = Bucket(f"file://{folder}/bucket")
    generation = generate_retail_db(bucket, FIRST_DAY, days, orders, 5, faults)
    url = f"duckdb:///{folder}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse)
    warehouse.close()
    return BuiltStore(bucket, url, generation, build(url, changed_only=changed_only))


def build_web_store(folder: Path, faults: str, days: int, users: int) -> BuiltStore:
    """The web shop (thelook) and its transactions feed, ingested, scored and built."""
    bucket = Bucket(f"file://{folder}/bucket")
    generation = generate_thelook(bucket, FIRST_DAY, days, users, 9, faults)
    generate_transactions(bucket, FIRST_DAY, days, users, 9, faults)
    url = f"duckdb:///{folder}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse, "thelook")
    refresh_loyalty_scores(bucket, warehouse)
    warehouse.close()
    return BuiltStore(bucket, url, generation, build(url))


def query(store: BuiltStore, sql: str) -> list[tuple]:
    """Rows of ``sql`` in the store's DuckDB warehouse."""
    import duckdb

    connection = duckdb.connect(store.warehouse_url[len("duckdb:///") :])
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def copy_warehouse(store: BuiltStore, folder: Path) -> Path:
    """A copy another process can open (dbt, run in this process, keeps the original open)."""
    import shutil

    copy = folder / "warehouse.duckdb"
    original = store.warehouse_url[len("duckdb:///") :]
    shutil.copy(original, copy)
    if Path(original + ".wal").exists():  # not checkpointed yet: the WAL holds the marts
        shutil.copy(original + ".wal", str(copy) + ".wal")
    return copy
