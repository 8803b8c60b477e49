"""`shopsight run`: the daily run, in-process (the same steps as the Airflow DAG)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, parse_day
from shopsight.cli.run_summary import print_run_summary
from shopsight.words import plural

if TYPE_CHECKING:
    from shopsight.config import Settings
    from shopsight.ingest.problems import Problem
    from shopsight.pipeline import StepOutcome


def untrusted_files(settings: Settings, outcomes: list[StepOutcome]) -> list[Problem]:
    """The files that keep the run red, with the commands that resolve them (none when the
    run is not red for that reason, or the warehouse cannot be read: the steps said why)."""
    from shopsight.ingest.problems import open_problems
    from shopsight.ingest.warehouse import WarehouseError, connect

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


def _countdown(seconds_left: float, missing: list[str]) -> None:
    """One line on stderr each time the run looks for the day's files and waits again."""
    minutes, seconds = divmod(int(seconds_left), 60)
    console.err.print(
        f"waiting {minutes}:{seconds:02d} more for {plural(len(missing), 'folder')}: "
        + ", ".join(missing),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


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
            help="The day to run (YYYY-MM-DD): loads files up to that day, builds the "
            "daily mart up to it, and fails at once, naming what is missing, while a "
            "source's files of the day have not landed (see --wait). Default: whatever "
            "has landed.",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            metavar="MINUTES",
            min=0,
            help="With --date: wait up to MINUTES for the day's files, counting down on "
            "stderr, looking every SHOPSIGHT_LANDING_POKE_SECONDS. Default 0.",
        ),
    ] = 0,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The daily run, every step from landed files to the report.

    With --date, the day's files of every daily source must have landed (--wait MINUTES
    waits for them); without it, the run loads whatever has landed and reports its last
    day.

    Steps, in order: ingest each source (retail_db, thelook, transactions, aftership),
    rescore loyalty, build and test the marts with dbt (staging, intermediate, marts),
    compare the day with its usual weekday (anomalies), check source freshness, check
    trust (red while a file is untrusted or a day incomplete), reconcile revenue, write the
    report. The summary names each step's outcome in words.

    The same steps as the Airflow DAG (src/shopsight/pipeline.py). A failed step skips what
    depends on it; failures are sent to Slack/email when configured. Exits 1 when every
    step ran but the data is not whole (an untrusted file is open, whichever run found it,
    or the day has orders of unknown revenue); 3 when a step failed.
    """
    from shopsight.alerts import failure_alert, send
    from shopsight.config import Settings
    from shopsight.pipeline import (
        DAILY_STEPS,
        StepContext,
        alert_new_problems,
        run_daily,
    )
    from shopsight.redact import redact
    from shopsight.storage import Bucket, StorageError

    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    context = StepContext(settings, _run_date(run_date), run_id=f"cli__{run_date or 'latest'}")
    if wait and context.run_date is None:
        console.fail("--wait needs --date (the day whose files to wait for)")
    try:  # a typo in --bucket must not create a bucket (nor an empty warehouse)
        Bucket(settings.bucket, settings, create=False).require()
    except StorageError as error:
        console.fail(str(error))
    context.wait_seconds = wait * 60
    if not json_output:
        context.on_wait = _countdown
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
            context.run_date,
            outcomes,
            untrusted_files(settings, outcomes),
            redact(settings.bucket),
            redact(settings.warehouse),
        )
    failed = [o for o in outcomes if o.status != "success"]
    if failed:
        raise typer.Exit(1 if all(o.untrusted for o in failed) else 3)
