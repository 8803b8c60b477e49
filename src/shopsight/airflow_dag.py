"""The daily run as an Airflow DAG, built from :data:`shopsight.pipeline.DAILY_STEPS`.

Step kinds become: ``sensor`` → a PythonSensor that waits for the day's files until the
deadline (then fails and alerts); mapped steps → one mapped task per landing table
(dynamic task mapping); ``dbt`` → a Cosmos ``DbtBuildLocalOperator`` per layer (grouped by
layer: docs/orchestration.md says why), or on a Spark warehouse the step function itself
(it registers Spark's sources and publishes the marts around dbt: docs/spark.md); the
rest → PythonOperators calling the same step function ``shopsight run`` calls. Warehouse
writers share a pool of one slot (DuckDB has a single writer). Every task retries twice
with exponential backoff, has an execution timeout, and alerts on its final failure; the
check_trust task decides red or green and sends the success summary.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG, CronTriggerTimetable
from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

from shopsight.alerts import failure_alert, send
from shopsight.build import DBT_PROJECT_DIR, dbt_environment, dbt_state_dir
from shopsight.config import Settings
from shopsight.ingest.withdraw import full_refresh_requested
from shopsight.pipeline import (
    DAILY_STEPS,
    Step,
    StepContext,
    StepFailed,
    UntrustedRun,
    alert_new_problems,
    missing_daily_files,
)
from shopsight.spark.warehouse import is_spark

DAG_ID = "shopsight_daily"
WAREHOUSE_POOL = "shopsight_warehouse"
SCHEDULE = "0 6 * * *"


def data_day(logical_date: datetime, timezone: str) -> date:
    """The run at 06:00 on day D processes the files of day D - 1 (local time)."""
    local = pendulum.instance(logical_date).in_timezone(timezone)
    return local.date() - timedelta(days=1)


def _context(airflow_context: dict[str, Any]) -> StepContext:
    settings = Settings()
    run = airflow_context["dag_run"]
    started = run.start_date.timestamp() if run.start_date else time.time()
    return StepContext(
        settings,
        data_day(airflow_context["logical_date"], settings.timezone),
        run_id=run.run_id,
        started=started,
    )


def step_callable(step: Step, steps: list[Step]) -> Any:
    """A PythonOperator's callable for ``step``: runs it (one item of a mapped step) with the
    earlier steps' results. A StepFailed is final (no retry: the data will not change)."""

    def run(item: str | None = None, **airflow_context: Any) -> dict[str, Any]:
        context = _context(airflow_context)
        if step.reads_results:
            context.results = _upstream_results(airflow_context, steps, step.name)
        try:
            summary = step.run(context, item)
        except StepFailed as error:
            raise AirflowFailException(str(error)) from error
        return {item or step.name: summary} if step.items else summary

    run.__name__ = f"run_{step.name}"
    return run


def landing_complete(**airflow_context: Any) -> bool:
    """The sensor's check: every daily file of the data day has landed."""
    missing = missing_daily_files(_context(airflow_context))
    if missing:
        print(f"still waiting for: {', '.join(missing)}")
    return not missing


def _upstream_results(
    airflow_context: dict[str, Any], steps: list[Step], current: str
) -> dict[str, Any]:
    """Every earlier step's return value (XCom), merged per step (mapped tasks give one per
    item)."""
    ti = airflow_context["ti"]
    results: dict[str, Any] = {}
    for step in steps:
        if step.name == current:
            break
        pulled = ti.xcom_pull(task_ids=step.name)
        if isinstance(pulled, list):
            merged: dict[str, Any] = {}
            for part in pulled:
                merged.update(part or {})
            pulled = merged
        results[step.name] = pulled or {}
    return results


def task_failed(airflow_context: dict[str, Any]) -> None:
    """on_failure_callback: after the last retry, alert Slack and email. Never raises."""
    settings = Settings()
    ti = airflow_context["ti"]
    error = airflow_context.get("exception")
    run_id = airflow_context["dag_run"].run_id
    log_url = f"{settings.airflow_base_url}/dags/{ti.dag_id}/runs/{run_id}/tasks/{ti.task_id}" + (
        f"/mapped/{ti.map_index}" if getattr(ti, "map_index", -1) >= 0 else ""
    )
    if isinstance(getattr(error, "__cause__", None), UntrustedRun):
        alert_new_problems(settings, run_id)  # once per new problem, not every red day
        return
    text = f"{type(error).__name__}: {error}" if error else "no error recorded"
    if isinstance(error, AirflowSensorTimeout):
        missing = missing_daily_files(_context(airflow_context))
        text += f"\nThe day's files had not arrived by the deadline: {', '.join(missing)}"
    alert = failure_alert(ti.dag_id, run_id, ti.task_id, ti.try_number, text, log_url)
    send(alert, settings)


def dbt_results(project_dir: str, **kwargs: Any) -> None:
    """Cosmos callback: keep the dbt build's counts (models, tests by status) as the task's
    XCom ``dbt_summary`` before Cosmos deletes the run's target folder."""
    path = Path(project_dir) / "target" / "run_results.json"  # Cosmos's copy of the project
    if not path.exists():
        return
    models: dict[str, int] = {}
    tests: dict[str, int] = {}
    for result in json.loads(path.read_text())["results"]:
        bucket = tests if result["unique_id"].split(".")[0] in ("test", "unit_test") else models
        bucket[result["status"]] = bucket.get(result["status"], 0) + 1
    context = kwargs.get("context") or {}
    if "ti" in context:
        context["ti"].xcom_push(key="return_value", value={"models": models, "tests": tests})


def _dbt_task(step: Step, settings: Settings) -> Any:
    from cosmos.config import ProfileConfig
    from cosmos.operators.local import DbtBuildLocalOperator

    environment = dbt_environment(settings.warehouse)
    return DbtBuildLocalOperator(
        task_id=step.name,
        project_dir=str(DBT_PROJECT_DIR),
        profile_config=ProfileConfig(
            profile_name="shopsight",
            target_name=environment["SHOPSIGHT_DBT_TARGET"],
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        select=[step.dbt_select],
        # A withdrawn or restored file took rows away: rebuild in full (read at run time).
        full_refresh="{{ shopsight_full_refresh() }}",
        env=environment,
        append_env=True,
        install_deps=False,
        vars="{{ {'run_date': (logical_date.in_timezone('" + settings.timezone + "')"
        " - macros.timedelta(days=1)).strftime('%Y-%m-%d')} }}",
        callback=dbt_results,
        # Reuse dbt's parse between the layers (Cosmos keeps partial_parse.msgpack there,
        # one per warehouse); Airflow assets per model are not used by this DAG.
        cache_dir=dbt_state_dir(settings.warehouse) / "cosmos",
        emit_datasets=False,
        doc_md=step.description,
    )


def _task(step: Step, settings: Settings, steps: list[Step]) -> Any:
    common: dict[str, Any] = {"task_id": step.name, "doc_md": step.description}
    if step.writes_warehouse:
        common |= {"pool": WAREHOUSE_POOL, "pool_slots": 1}
    if step.kind == "sensor":
        return PythonSensor(
            python_callable=landing_complete,
            poke_interval=settings.landing_poke_seconds,
            timeout=settings.landing_deadline_minutes * 60,
            mode="reschedule",
            **common,
        )
    if step.kind == "dbt" and not is_spark(settings.warehouse):
        task = _dbt_task(step, settings)
        if step.writes_warehouse:
            task.pool, task.pool_slots = WAREHOUSE_POOL, 1
        return task
    if step.items:
        return PythonOperator.partial(python_callable=step_callable(step, steps), **common).expand(
            op_kwargs=[{"item": item} for item in step.items()]
        )
    return PythonOperator(python_callable=step_callable(step, steps), **common)


def build_daily_dag(
    settings: Settings | None = None, steps: list[Step] | None = None, dag_id: str = DAG_ID
) -> DAG:
    """The DAG: 06:00 daily in ``SHOPSIGHT_TIMEZONE`` (a cron trigger timetable: the run
    at 06:00 on day D+1 is data day D), one run at a time; catchup from
    ``SHOPSIGHT_SCHEDULE_START`` only when ``SHOPSIGHT_CATCHUP`` turns it on. ``steps``
    replaces the daily steps (the failure drills in the tests use it)."""
    settings = settings or Settings()
    steps = steps or DAILY_STEPS
    zone = pendulum.timezone(settings.timezone)
    start = pendulum.datetime(*settings.schedule_start.timetuple()[:3], tz=zone)
    default_args = {
        "owner": "data-team",
        "retries": 2,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(minutes=settings.task_timeout_minutes),
        "on_failure_callback": task_failed,
    }
    with DAG(
        dag_id,
        description="ShopSight daily run: land, score, build, test, check freshness, report",
        schedule=CronTriggerTimetable(SCHEDULE, timezone=zone),
        start_date=start,
        catchup=settings.catchup,
        max_active_runs=1,
        default_args=default_args,
        tags=["shopsight"],
        doc_md=__doc__,
        user_defined_macros={
            "shopsight_full_refresh": partial(full_refresh_requested, settings.warehouse)
        },
    ) as dag:
        tasks = {step.name: _task(step, settings, steps) for step in steps}
        for step in steps:
            for upstream in step.upstream:
                tasks[upstream] >> tasks[step.name]
    return dag
