"""The control database's tables that the dbt project reads (the ledger, the quarantine,
the accepted problems, the loyalty scores), handed to Spark as
Parquet snapshots: the control database stays the one transactional writer, and Spark
reads a copy taken before each build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pyarrow import parquet

from shopsight.ingest.warehouse import Warehouse
from shopsight.spark.views import ensure_database, ensure_view

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONTROL_TABLES = [
    ("shopsight_ops", "ingest_ledger"),
    ("shopsight_ops", "quarantine"),
    ("shopsight_ops", "accepted_problems"),
    ("transactions", "loyalty_scores"),
]


def snapshot_control_tables(control: Warehouse, folder: Path) -> list[tuple[str, str, Path]]:
    """Write each control table that exists as ``folder/<schema>/<table>.parquet``."""
    written = []
    for schema, table in CONTROL_TABLES:
        found = control.query(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        )
        if not found[0][0]:
            continue
        target = folder / schema / f"{table}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        parquet.write_table(control.query_arrow(f"select * from {schema}.{table}"), target)
        written.append((schema, table, target))
    return written


def register_control_tables(spark: SparkSession, snapshots: list[tuple[str, str, Path]]) -> None:
    """A view per snapshot, named as in the control database."""
    for schema, table, path in snapshots:
        ensure_database(spark, schema)
        ensure_view(spark, f"{schema}.{table}", f"select * from parquet.`{path.as_uri()}`")
        spark.catalog.refreshByPath(path.as_uri())  # this build's snapshot, not a cached one
