"""The daily run on Spark (issue 32), on a real standalone cluster: `shopsight run
--warehouse spark://HOST:PORT` over a store with every fault class of every source, twice
(the second run incremental, over late and new files). After each run, every mart Spark
built equals, row for row, the mart DuckDB builds in full from the same loads (money to the
cent, dates, completeness flags, lineage); the run's verdict, reconciliation and report read
Spark's marts; MetricFlow's Spark SQL gives the headline metrics DuckDB gives. The open
Parquet history Spark reads equals the landing tables and the ledger (issue 30)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.spark.cluster import ClusterSpec, cluster_status
from shopsight.spark.marts import BUILT_SCHEMAS
from shopsight.spark.session import open_session
from shopsight.storage import Bucket

from support import shopsight

START, DAYS = date(2024, 3, 1), 12
LATE = {"2024-03-10", "2024-03-11", "2024-03-12"}  # the second delivery: the last days
LATE_FILE = "retail_db/order_items/dt=2024-03-04/"  # and one late order-lines file
# A daily run on the cluster takes about 3 minutes of an idle 2-core machine; a bound, not
# an expectation (the test's own limit is the pytest timeout below).
RUN_TIMEOUT = 1200
HEADLINE = [
    ["net_revenue", "orders", "units", "--by", "metric_time__day"],
    ["sessions", "conversion_rate", "--by", "session__traffic_source"],
]


def delivered_first(key: str) -> bool:
    day = key.split("dt=")[1][:10] if "dt=" in key else ""
    return day not in LATE and LATE_FILE not in key


@pytest.fixture
def store(tmp_path: Path, spark_cluster: ClusterSpec) -> dict[str, str]:
    """Every source of a 12-day store with each fault class, and the environment of a Spark
    warehouse on the cluster (its control database, catalog and state folders)."""
    source = Bucket(f"file://{tmp_path}/source")
    generate_retail_db(source, START, DAYS, 1500, 11, "default")
    generate_thelook(source, START, DAYS, 400, 11, "default")
    generate_transactions(source, START, DAYS, 400, 11, "default")
    return {
        **os.environ,
        "SHOPSIGHT_BUCKET": f"file://{tmp_path}/bucket",
        "SHOPSIGHT_WAREHOUSE": spark_cluster.master_url,
        "SHOPSIGHT_CONTROL_DATABASE": f"duckdb:///{tmp_path}/control.duckdb",
        "SHOPSIGHT_SPARK_DIR": str(tmp_path / "spark"),
        "SHOPSIGHT_SPARK_SHUFFLE_PARTITIONS": "2",
        "SHOPSIGHT_STATE_DIR": str(tmp_path / "state"),
    }


def deliver(env: dict[str, str], first: bool) -> None:
    source = Bucket(env["SHOPSIGHT_BUCKET"].removesuffix("/bucket") + "/source")
    bucket = Bucket(env["SHOPSIGHT_BUCKET"])
    for info in source.list("landing/"):
        if delivered_first(info.key) == first:
            bucket.write_bytes(info.key, source.read_bytes(info.key))


def duckdb_build_of_the_same_loads(env: dict[str, str], copy: Path) -> Path:
    """A copy of the control database (the same loads: the same lineage) without Spark's
    views, with the whole project built in it by DuckDB (in a process of its own, which
    lets the file go when it ends)."""
    control = Path(env["SHOPSIGHT_CONTROL_DATABASE"].removeprefix("duckdb:///"))
    shutil.copy(control, copy)
    connection = duckdb.connect(str(copy))
    for schema in BUILT_SCHEMAS:
        connection.execute(f"drop schema if exists {schema} cascade")
    connection.close()
    built = shopsight("build", "--warehouse", f"duckdb:///{copy}", env=env)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return copy


def assert_every_mart_equal(env: dict[str, str], duckdb_copy: Path) -> None:
    spark_marts = duckdb.connect(env["SHOPSIGHT_CONTROL_DATABASE"].removeprefix("duckdb:///"))
    built = duckdb.connect(str(duckdb_copy))
    try:
        published = spark_marts.execute(
            "select schema_name || '.' || view_name from duckdb_views() "
            "where schema_name in ('marts', 'web') order by 1"
        ).fetchall()
        expected = built.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'web') order by 1"
        ).fetchall()
        assert published == expected and len(published) >= 20
        for (table,) in published:
            schema, name = table.split(".")
            columns = ", ".join(
                f'"{c}"'
                for (c,) in built.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
            )
            query = f"select {columns} from {table}"
            mine = sorted(spark_marts.execute(query).fetchall(), key=repr)
            theirs = sorted(built.execute(query).fetchall(), key=repr)
            assert mine == theirs, table
            types = [row[1] for row in spark_marts.execute(f"describe {query}").fetchall()]
            assert types == [row[1] for row in built.execute(f"describe {query}").fetchall()]
    finally:
        spark_marts.close()
        built.close()


def metrics(env: dict[str, str], arguments: list[str]) -> list[list[object]]:
    answered = shopsight("metrics", "query", *arguments, "--json", env=env)
    assert answered.returncode == 0, answered.stderr[-2000:]
    return [[number(value) for value in row] for row in json.loads(answered.stdout)["rows"]]


def number(value: object) -> object:
    """A figure as a Decimal (DuckDB's sums print as strings, Spark's counts as integers);
    a day or a dimension's value as it is."""
    if value is None or (isinstance(value, str) and not value.replace(".", "").isdigit()):
        return value
    return Decimal(str(value))


@pytest.mark.spark
@pytest.mark.timeout(3000)
def test_the_daily_run_on_spark_equals_duckdb_after_each_delivery(
    tmp_path: Path, store: dict[str, str], spark_cluster: ClusterSpec
) -> None:
    env = store
    # Amber after the first delivery (warnings); red after the second, whose last day has
    # the untrusted files, as on DuckDB.
    for first, exit_code in ((True, 0), (False, 1)):
        deliver(env, first)
        run = shopsight("run", "--json", env=env, timeout=RUN_TIMEOUT)
        assert run.returncode == exit_code, run.stderr[-3000:]
        steps = {s["name"]: s["status"] for s in json.loads(run.stdout)["steps"]}
        failed = [name for name, status in steps.items() if status != "success"]
        assert failed == ([] if first else ["check_trust"])

        duckdb_copy = duckdb_build_of_the_same_loads(env, tmp_path / f"duckdb-{exit_code}.duckdb")
        assert_every_mart_equal(env, duckdb_copy)

    # The semantic layer's headline metrics: MetricFlow's Spark SQL on the cluster.
    on_duckdb = {**env, "SHOPSIGHT_WAREHOUSE": f"duckdb:///{duckdb_copy}"}
    for arguments in HEADLINE:
        assert metrics(env, arguments) == metrics(on_duckdb, arguments), arguments
    # A catalog without the marts (another SHOPSIGHT_SPARK_DIR): one line, no stack trace.
    elsewhere = shopsight(
        "metrics", "query", "net_revenue", env={**env, "SHOPSIGHT_SPARK_DIR": str(tmp_path / "x")}
    )
    assert elsewhere.returncode == 2
    assert "error: Spark could not run the metric query: [TABLE_OR_VIEW_NOT_FOUND]" in (
        elsewhere.stderr
    )
    assert "Traceback" not in elsewhere.stderr and "at org.apache" not in elsewhere.stderr
    status = cluster_status(spark_cluster)
    assert status and {"shopsight run", "shopsight metrics"} <= set(status.completed_apps)
    reports = [r.key for r in Bucket(env["SHOPSIGHT_BUCKET"]).list("reports/")]
    assert reports == [f"reports/dt=2024-03-{day}/shopsight-report.html" for day in ("09", "12")]

    # The open history is the contract between ingestion and Spark: its current state is the
    # landing tables', its history the ledger's loaded rows.
    spark = open_session(spark_cluster.master_url, "shopsight-test", tmp_path / "spark")
    control = duckdb.connect(env["SHOPSIGHT_CONTROL_DATABASE"].removeprefix("duckdb:///"))
    try:
        for table in ("products", "customers", "orders", "order_items"):
            landed = control.execute(f"select * from retail_db.{table}").fetchall()
            read = [tuple(r) for r in spark.table(f"retail_db.{table}").collect()]
            assert sorted(map(comparable, read), key=repr) == sorted(
                map(comparable, landed), key=repr
            ), table
            (loaded,) = control.execute(
                "select sum(rows_loaded) from shopsight_ops.ingest_ledger "
                "where status = 'loaded' and source = 'retail_db' and table_name = ?",
                [table],
            ).fetchone()
            assert spark.table(f"retail_db.{table}_history").count() == loaded, table
    finally:
        control.close()
        spark.stop()


def comparable(row: tuple) -> tuple:
    """A landed row as both engines agree on it: the export's floats to the cent."""
    return tuple(
        Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float) else value
        for value in row
    )
