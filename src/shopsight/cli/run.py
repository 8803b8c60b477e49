"""`shopsight run`: the daily run, in-process (the same steps as the Airflow DAG)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from shopsight import console
from shopsight.alerts import failure_alert, send
from shopsight.cli.app import app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, parse_day
from shopsight.cli.run_summary import print_run_summary
from shopsight.config import Settings
from shopsight.ingest.problems import Problem, open_problems
from shopsight.ingest.warehouse import WarehouseError, connect
from shopsight.pipeline import (
    DAILY_STEPS,
    StepContext,
    StepOutcome,
    alert_new_problems,
    run_daily,
)
from shopsight.redact import redact


def untrusted_files(settings: Settings, outcomes: list[StepOutcome]) -> list[Problem]:
    """The files that keep the run red, with the commands that resolve them (none when the
    run is not red for that reason, or the warehouse cannot be read: the steps said why)."""
    if not any(o.untrusted for o in outcomes):
        return []
    try:
        warehouse = connect(settings.warehouse)
    except WarehouseError:
        return []
    try:
        return open_problems(warehouse, settings.max_reject_ratio)
    finally:
        warehouse.close()


def _run_date(value: str | None) -> date | None:
    if value is None:
        return None
    return parse_day(value, "--date")


@app.command("run")
def run_command(
    run_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="The day to run (YYYY-MM-DD): waits for that day's files and builds the "
            "daily mart up to it. Default: whatever has landed.",
        ),
    ] = None,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The daily run, every step from landed files to the report.

    Steps, in order: ingest each source (retail_db, thelook, transactions, aftership),
    rescore loyalty, build and test the marts with dbt (staging, intermediate, marts),
    check source freshness, check trust (red while a file is untrusted or a day
    incomplete), reconcile revenue, write the report. The summary names each step's
    outcome in words.

    The same steps as the Airflow DAG (src/shopsight/pipeline.py). A failed step skips what
    depends on it; failures are sent to Slack/email when configured. Exits 1 when every
    step ran but the data is not whole (an untrusted file is open, whichever run found it,
    or the day has orders of unknown revenue); 3 when a step failed.
    """
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    context = StepContext(settings, _run_date(run_date), run_id=f"cli__{run_date or 'latest'}")
    with console.progress_bar("daily run", json_output) as bar:
        task = bar.add_task("steps", total=len(DAILY_STEPS))

        def on_step(outcome: StepOutcome) -> None:
            bar.advance(task)
            if outcome.untrusted:
                alert_new_problems(settings, context.run_id)
            elif outcome.status == "failed":
                alert = failure_alert(
                    "shopsight_daily", context.run_id, outcome.name, 1, outcome.error or "", "-"
                )
                send(alert, settings)

        outcomes = run_daily(context, on_step=on_step)
    if json_output:
        console.print_json(
            {
                "run_date": run_date,
                "success": all(o.status == "success" for o in outcomes),
                "steps": [o.__dict__ for o in outcomes],
                "warehouse": redact(settings.warehouse),
            }
        )
    else:
        print_run_summary(
            outcomes,
            untrusted_files(settings, outcomes),
            redact(settings.bucket),
            redact(settings.warehouse),
        )
    failed = [o for o in outcomes if o.status != "success"]
    if failed:
        raise typer.Exit(1 if all(o.untrusted for o in failed) else 3)
