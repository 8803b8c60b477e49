"""The DAG file: imports cleanly, runs at 06:00 local time, every task is armed."""

from __future__ import annotations

import graphlib
import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

import pendulum

from shopsight.airflow_dag import build_daily_dag, task_failed
from shopsight.config import Settings
from shopsight.pipeline import DAILY_STEPS

ROOT = Path(__file__).resolve().parents[2]


def test_dag_file_imports_and_matches_the_pipeline(airflow_db) -> None:
    spec = importlib.util.spec_from_file_location(
        "shopsight_daily", ROOT / "airflow/dags/shopsight_daily.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = module.dag
    assert dag.dag_id == "shopsight_daily"
    assert set(dag.task_dict) == {step.name for step in DAILY_STEPS}
    for step in DAILY_STEPS:
        assert dag.task_dict[step.name].upstream_task_ids == set(step.upstream), step.name
    assert dag.max_active_runs == 1
    assert not dag.catchup  # turning the DAG on does not queue years of doomed runs

    # No cycles: a topological order exists.
    order = graphlib.TopologicalSorter(
        {task_id: task.upstream_task_ids for task_id, task in dag.task_dict.items()}
    )
    assert list(order.static_order())[0] == "wait_for_landing"


def test_catchup_is_opt_in_and_the_timetable_is_declared() -> None:
    from airflow.sdk import CronTriggerTimetable

    assert build_daily_dag(Settings(catchup=True)).catchup
    timetable = build_daily_dag(Settings()).timetable
    assert isinstance(timetable, CronTriggerTimetable) and timetable.expression == "0 6 * * *"


def test_every_task_has_retries_backoff_timeout_and_the_alert() -> None:
    dag = build_daily_dag(Settings(task_timeout_minutes=45))
    for task in dag.tasks:
        assert task.retries == 2, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.execution_timeout == timedelta(minutes=45), task.task_id
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert task_failed in callbacks, task.task_id
    writers = {t.task_id for t in dag.tasks if t.pool == "shopsight_warehouse"}
    assert {"ingest_retail_db", "ingest_thelook", "loyalty", "dbt_marts"} <= writers
    assert "wait_for_landing" not in writers


def test_next_run_is_at_six_in_the_configured_time_zone() -> None:
    from airflow.timetables.trigger import CronTriggerTimetable

    declared = build_daily_dag(Settings(timezone="Europe/Berlin")).timetable
    assert declared.expression == "0 6 * * *"
    assert str(declared.timezone) == "Europe/Berlin"
    # The scheduler's own timetable for that declaration says when the next run starts.
    timetable = CronTriggerTimetable(declared.expression, timezone=declared.timezone)
    after = pendulum.datetime(2024, 7, 1, 12, tz="Europe/Berlin")
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=_restriction(after),
    )
    local = pendulum.instance(info.run_after).in_timezone("Europe/Berlin")
    assert (local.hour, local.minute) == (6, 0)
    assert local.date() == after.date() + timedelta(days=1)
    # 06:00 in Berlin in summer is 04:00 UTC.
    assert pendulum.instance(info.run_after).in_timezone("UTC").hour == 4


def _restriction(after: datetime):  # noqa: ANN202
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=after, latest=None, catchup=True)


def test_make_airflow_listens_on_loopback_unless_told_otherwise() -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    planned = subprocess.run(
        ["make", "-n", "airflow"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "AIRFLOW__API__HOST=127.0.0.1" in planned
    opened = subprocess.run(
        ["make", "-n", "airflow", "AIRFLOW_HOST=0.0.0.0"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "AIRFLOW__API__HOST=0.0.0.0" in opened
