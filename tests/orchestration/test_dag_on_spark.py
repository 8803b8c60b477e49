"""The Airflow DAG on a Spark warehouse (issue 32), with dag.test(): the same tasks as on
DuckDB, the dbt layers built by dbt-spark (in Spark's own process, `spark://local[2]`), and
the steps after them reading Spark's marts through the control database."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from test_dag_runs import DAYS, FIRST_DAY, LAST_DAY, LOGICAL_DATE, _load_dag

from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.storage import Bucket


@pytest.mark.spark
@pytest.mark.timeout(1200)
def test_the_daily_dag_runs_green_on_a_spark_warehouse(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, FIRST_DAY, DAYS, 1500, 4, "none")
    generate_thelook(bucket, FIRST_DAY, DAYS, 400, 4, "none")
    generate_transactions(bucket, FIRST_DAY, DAYS, 400, 4, "none")
    control = tmp_path / "control.duckdb"
    monkeypatch.setenv("SHOPSIGHT_BUCKET", bucket.url)
    monkeypatch.setenv("SHOPSIGHT_WAREHOUSE", "spark://local[2]")
    monkeypatch.setenv("SHOPSIGHT_CONTROL_DATABASE", f"duckdb:///{control}")
    monkeypatch.setenv("SHOPSIGHT_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("SHOPSIGHT_SPARK_SHUFFLE_PARTITIONS", "2")
    monkeypatch.setenv("SHOPSIGHT_RETRY_DELAY_SECONDS", "0.5")
    (airflow_db / "shopsight_on_spark.py").write_text(
        "from shopsight.airflow_dag import build_daily_dag\n"
        "dag = build_daily_dag(dag_id='shopsight_on_spark')\n"
    )
    dag = _load_dag(airflow_db, "shopsight_on_spark")

    run = dag.test(logical_date=LOGICAL_DATE)

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success" and set(states.values()) == {"success"}, states
    assert {"dbt_staging", "dbt_intermediate", "dbt_marts"} <= set(states)
    connection = duckdb.connect(str(control))
    try:
        for mart in ("web.fct_events", "marts.fct_order_items", "marts.fct_daily_product_sales"):
            (rows,) = connection.execute(f"select count(*) from {mart}").fetchone()
            assert rows > 1000, mart  # Spark's table, read through the control database
    finally:
        connection.close()
    page = bucket.read_bytes(f"reports/dt={LAST_DAY}/shopsight-report.html")
    tests_passed = re.search(rb"tests passed<b>([\d,]+)</b>", page)
    assert tests_passed and int(tests_passed.group(1).replace(b",", b"")) > 100
    # Each task's Spark application stopped with it: one left running would be the session
    # a later caller in this process gets back, with this DAG's catalog.
    from pyspark import SparkContext

    assert SparkContext._active_spark_context is None
