"""The same dbt project on Spark (issues 30 and 32), on a real standalone cluster: the open
Parquet history read by Spark equals the warehouse's landing tables (current state) and the
ledger (history); and the retail star dbt-spark builds from it and the control database
equals the star DuckDB builds from the same files, row for row (money to the cent, dates,
completeness flags), after an incremental run over late and new files (delete+insert
rewritten for plain Parquet tables: dbt/macros/spark/). Every fault class is in the store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from shopsight.build import prepare_sources, run_dbt
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.spark.cluster import ClusterSpec, cluster_status
from shopsight.spark.session import open_session
from shopsight.spark.warehouse import spark_sources
from shopsight.storage import Bucket

from support import generate_small_store

MARTS = [
    "dim_date",
    "dim_products",
    "dim_customers",
    "fct_order_items",
    "fct_orders",
    "fct_daily_product_sales",
    "fct_product_price_changes",
    "fct_source_days",
]
SELECT = ["+" + mart for mart in MARTS]
APP = "shopsight-test"
LATE = {"2024-03-09", "2024-03-10", "2024-03-11", "2024-03-12"}  # the store's last days


def delivered_first(key: str) -> bool:
    """The first delivery: every file but the last days' and one order-lines file."""
    day = key.split("dt=")[1][:10] if "dt=" in key else ""
    return day not in LATE and not key.endswith("order_items/dt=2024-03-04/part-00000.csv")


def run_models(url: str) -> None:
    result = run_dbt(url, ["run", "--select", *SELECT])
    assert result.result is not None, result.exception
    failed = [str(node.message) for node in result.result.results if str(node.status) == "error"]
    assert result.success, failed or result.exception


def rows(table: list[tuple]) -> list[tuple]:
    return sorted(table, key=repr)


def comparable(row: tuple) -> tuple:
    """A landed row as both engines agree on it: the export's floats to the cent."""
    return tuple(
        Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float) else value
        for value in row
    )


@pytest.fixture
def spark_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPSIGHT_BUCKET", f"file://{tmp_path}/bucket")
    monkeypatch.setenv("SHOPSIGHT_CONTROL_DATABASE", f"duckdb:///{tmp_path}/control.duckdb")
    monkeypatch.setenv("SHOPSIGHT_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("SHOPSIGHT_SPARK_SHUFFLE_PARTITIONS", "2")
    return tmp_path


@pytest.fixture
def spark(spark_settings: Path, spark_cluster: ClusterSpec) -> Iterator[SparkSession]:
    """One Spark application on the cluster for the test: both builds join it (as dbt-spark
    joins the one `shopsight build` opens), and the comparison reads from it."""
    session = open_session(spark_cluster.master_url, APP, spark_settings / "spark")
    yield session
    session.stop()


@pytest.mark.spark
@pytest.mark.timeout(1200)
def test_the_retail_star_on_spark_equals_duckdbs_after_each_delivery(
    spark_settings: Path, spark: SparkSession, spark_cluster: ClusterSpec
) -> None:
    folder = spark_settings
    source = Bucket(f"file://{folder}/source")
    generate_small_store(source)  # every fault class
    bucket = Bucket(f"file://{folder}/bucket")
    spark_url = spark_cluster.master_url
    for first in (True, False):
        for key in (info.key for info in source.list("landing/")):
            if delivered_first(key) == first:
                bucket.write_bytes(key, source.read_bytes(key))
        control = connect(f"duckdb:///{folder}/control.duckdb")
        ingest(bucket, control)
        control.close()
        prepare_sources(spark_url)
        with spark_sources(spark_url):
            run_models(spark_url)

    # DuckDB builds the same star in full in the control database itself: the same loads,
    # so the same load times in the lineage columns.
    duckdb_url = f"duckdb:///{folder}/control.duckdb"
    run_models(duckdb_url)

    assert APP in cluster_status(spark_cluster).active_apps  # the builds ran on the cluster
    warehouse = connect(duckdb_url)
    try:
        # The open history is the contract between ingestion and Spark: its current state is
        # the landing tables', its history the ledger's loaded rows.
        for table in [
            "departments",
            "categories",
            "products",
            "customers",
            "orders",
            "order_items",
        ]:
            landed = rows(
                [comparable(r) for r in warehouse.query(f"select * from retail_db.{table}")]
            )
            read = rows([comparable(tuple(r)) for r in spark.table(f"retail_db.{table}").collect()])
            assert read == landed, table
            [(loaded,)] = warehouse.query(
                "select sum(rows_loaded) from shopsight_ops.ingest_ledger "
                "where status = 'loaded' and source = 'retail_db' and table_name = ?",
                [table],
            )
            assert spark.table(f"retail_db.{table}_history").count() == loaded, table
        for mart in MARTS:
            columns = ", ".join(
                name
                for (name,) in warehouse.query(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                )
            )
            expected = rows(warehouse.query(f"select {columns} from marts.{mart}"))
            built = rows(
                [tuple(r) for r in spark.sql(f"select {columns} from marts.{mart}").collect()]
            )
            assert len(built) == len(expected) > 0, mart
            assert built == expected, mart
    finally:
        warehouse.close()
