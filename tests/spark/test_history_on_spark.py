"""The open Parquet history is the contract between ingestion and every engine (issues 30
and 32): a Spark application on a real standalone cluster reads the layout, and its
current state equals the warehouse's landing tables row for row, its history the ledger's
loaded rows, on a store with every fault class (rejects, a quarantined file, re-delivered
rows)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.spark.cluster import ClusterSpec, cluster_status
from shopsight.spark.history import landed_history, register_history
from shopsight.spark.session import open_session
from shopsight.storage import Bucket

from support import generate_small_store

APP = "shopsight-history-check"


def comparable(row: tuple) -> tuple:
    """A row as both engines can agree on it: floats to the cent, everything else as is."""
    return tuple(
        Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float) else value
        for value in row
    )


def test_spark_on_the_cluster_reads_the_warehouse_from_the_parquet_history(
    tmp_path: Path, spark_cluster: ClusterSpec
) -> None:
    bucket_url = f"file://{tmp_path}/bucket"
    generate_small_store(Bucket(bucket_url))
    warehouse = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    try:
        ingest(Bucket(bucket_url), warehouse)
        tables = landed_history(bucket_url)
        expected = {
            table.table: sorted(
                comparable(row) for row in warehouse.query(f"select * from {table.current_view}")
            )
            for table in tables
        }
        loaded = dict(
            warehouse.query(
                "select table_name, sum(rows_loaded) from shopsight_ops.ingest_ledger "
                "where status = 'loaded' group by 1"
            )
        )
    finally:
        warehouse.close()

    spark = open_session(spark_cluster.master_url, APP, tmp_path / "catalog")
    try:
        registered = register_history(spark, bucket_url)
        assert APP in cluster_status(spark_cluster).active_apps  # it runs on the cluster
        current = {
            table.table: sorted(
                comparable(tuple(row)) for row in spark.table(table.current_view).collect()
            )
            for table in registered
        }
        history = {table.table: spark.table(table.history_view).count() for table in registered}
    finally:
        spark.stop()

    assert sorted(expected) == [
        "categories",
        "customers",
        "departments",
        "order_items",
        "orders",
        "products",
    ]
    for table, rows in expected.items():
        assert len(current[table]) == len(rows), table
        assert current[table] == rows, table
        assert history[table] == loaded[table], table
