"""The DAG runs end to end with dag.test(): green on a clean store, bit-identical on a rerun
of the same day, and on failure exactly one Slack message and one email."""

from __future__ import annotations

import os
import re
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.storage import Bucket

from sinks import slack_sink, smtp_sink

FIRST_DAY, DAYS = date(2024, 1, 1), 12
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
# The 06:00 run of the day after the last day of data processes that day.
LOGICAL_DATE = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 6, tzinfo=UTC) + timedelta(
    days=1
)


def _load_dag(folder: Path, name: str):  # noqa: ANN202
    sys.path.insert(0, str(folder))
    try:
        module = __import__(name)
    finally:
        sys.path.remove(str(folder))
    return module.dag


def _marts_checksum(database: Path) -> dict[str, tuple]:
    connection = duckdb.connect(str(database))
    try:
        tables = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'web') and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {
            name: connection.execute(
                f"select count(*), coalesce(sum(hash(columns(*))), 0) from {name}"
            ).fetchone()
            for (name,) in tables
        }
    finally:
        connection.close()


def _ledger_rows(database: Path) -> int:
    connection = duckdb.connect(str(database))
    try:
        return connection.execute("select count(*) from shopsight_ops.ingest_ledger").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture
def clean_store(tmp_path, monkeypatch) -> Path:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, FIRST_DAY, DAYS, 1500, 4, "none")
    generate_thelook(bucket, FIRST_DAY, DAYS, 400, 4, "none")
    generate_transactions(bucket, FIRST_DAY, DAYS, 400, 4, "none")
    database = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("SHOPSIGHT_BUCKET", bucket.url)
    monkeypatch.setenv("SHOPSIGHT_WAREHOUSE", f"duckdb:///{database}")
    monkeypatch.setenv("SHOPSIGHT_RETRY_DELAY_SECONDS", "0.5")
    return database


def test_daily_dag_runs_green_and_a_rerun_changes_nothing(airflow_db, clean_store) -> None:
    dag = _load_dag(airflow_db, "shopsight_daily")

    first = dag.test(logical_date=LOGICAL_DATE)

    assert first.state == "success"
    states = {ti.task_id: ti.state for ti in first.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    marts, loaded = _marts_checksum(clean_store), _ledger_rows(clean_store)
    assert marts["web.fct_events"][0] > 1000 and marts["marts.fct_order_items"][0] > 1000
    # The run's report, for the data day, with the tests the dbt tasks ran (from XCom).
    bucket = Bucket(os.environ["SHOPSIGHT_BUCKET"])
    (report,) = bucket.list("reports/")
    assert report.key == f"reports/dt={LAST_DAY}/shopsight-report.html"
    page = bucket.read_bytes(report.key)
    tests_passed = re.search(rb"tests passed<b>([\d,]+)</b>", page)
    assert tests_passed and int(tests_passed.group(1).replace(b",", b"")) > 100

    again = dag.test(logical_date=LOGICAL_DATE)

    assert again.state == "success"
    assert _ledger_rows(clean_store) == loaded, "a rerun of the day loaded files again"
    assert _marts_checksum(clean_store) == marts


def test_a_failing_step_alerts_once_by_slack_and_email_and_stops_downstream(
    airflow_db, tmp_path, monkeypatch
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    here = Path(__file__).parent
    shutil.copy(here / "drill_steps.py", airflow_db / "drill_steps.py")
    (airflow_db / "shopsight_drill.py").write_text(
        "from drill_steps import STEPS\n"
        "from shopsight.airflow_dag import build_daily_dag\n"
        "dag = build_daily_dag(steps=STEPS, dag_id='shopsight_drill')\n"
    )
    with slack_sink() as (webhook, posted), smtp_sink() as (port, emails):
        monkeypatch.setenv("DRILL_MARKS", str(marks))
        monkeypatch.setenv("SHOPSIGHT_RETRY_DELAY_SECONDS", "0.2")
        monkeypatch.setenv("SHOPSIGHT_SLACK_WEBHOOK_URL", webhook)
        monkeypatch.setenv("SHOPSIGHT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SHOPSIGHT_SMTP_PORT", str(port))
        monkeypatch.setenv("SHOPSIGHT_ALERT_EMAIL_TO", "data-team@example.com")
        dag = _load_dag(airflow_db, "shopsight_drill")

        run = dag.test(logical_date=LOGICAL_DATE)

    states = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert run.state == "failed"
    assert states["flaky"] == ("success", 2)  # failed once, succeeded on the retry
    assert states["broken"] == ("failed", 3)  # the first try and two retries
    assert states["after_broken"][0] == "upstream_failed"
    assert not (marks / "after-broken-ran").exists()
    assert len(posted) == 1 and len(emails) == 1
    slack, email = posted[0]["text"], emails[0]
    for text in (slack, email["Subject"] + email.get_payload()):
        assert "shopsight_drill" in text and "broken" in text
        assert run.run_id in text
        assert "connection refused" in text  # the error's last lines
        assert "hunter2" not in text and "secret-token" not in text
    assert "try 3" in slack
    assert "/dags/shopsight_drill/runs/" in email.get_payload()
    assert email["To"] == "data-team@example.com"


def test_files_missing_at_the_deadline_alert_instead_of_hanging(
    airflow_db, tmp_path, monkeypatch
) -> None:
    (airflow_db / "shopsight_deadline.py").write_text(
        "from shopsight.airflow_dag import build_daily_dag\n"
        "from shopsight.pipeline import DAILY_STEPS\n"
        "dag = build_daily_dag(steps=DAILY_STEPS[:1], dag_id='shopsight_deadline')\n"
    )
    with slack_sink() as (webhook, posted):
        monkeypatch.setenv("SHOPSIGHT_BUCKET", f"file://{tmp_path}/empty-bucket")
        monkeypatch.setenv("SHOPSIGHT_LANDING_DEADLINE_MINUTES", "0.05")  # 3 seconds
        monkeypatch.setenv("SHOPSIGHT_LANDING_POKE_SECONDS", "1")
        monkeypatch.setenv("SHOPSIGHT_SLACK_WEBHOOK_URL", webhook)
        dag = _load_dag(airflow_db, "shopsight_deadline")

        run = dag.test(logical_date=LOGICAL_DATE)

    assert run.state == "failed"
    assert len(posted) == 1
    text = posted[0]["text"]
    assert "wait_for_landing" in text and "had not arrived by the deadline" in text
    assert f"landing/retail_db/orders/dt={LAST_DAY}/" in text
