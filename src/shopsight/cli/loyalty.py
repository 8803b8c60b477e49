"""`shopsight loyalty`: land new transaction files and rescore every user."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.ingest import print_ingest
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store

if TYPE_CHECKING:
    from shopsight.transforms.loyalty_scores import LoyaltyReport


def run_loyalty(bucket: str | None, warehouse: str | None, json_output: bool) -> LoyaltyReport:
    """The loyalty step with a progress bar; shared by `loyalty` and `run`."""
    from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

    with (
        open_store(bucket, warehouse, bucket_must_exist=True) as (_, target, wh),
        console.progress_bar("ingesting transactions", json_output) as bar,
    ):
        task = bar.add_task("files", total=None)
        return refresh_loyalty_scores(
            target,
            wh,
            on_plan=lambda n: bar.update(task, total=n),
            on_file=lambda _: bar.advance(task),
        )


def print_loyalty(report: LoyaltyReport) -> None:
    print_ingest(report.ingest)
    verb = "rescored" if report.rescored else "unchanged (nothing new):"
    console.out.print(
        f"loyalty scores {verb} {report.users} users from {report.transactions} transactions"
    )


@app.command("loyalty")
def loyalty_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load new transactions-feed files exactly once and recompute every user's loyalty score.

    loyalty_score = sum(transaction_amount) + 10 x repeat purchases, in exact decimals, into
    transactions.loyalty_scores. Bad records are quarantined with their reason (see
    `shopsight quarantine list`). A rerun with no new files writes nothing. Exits 1 when a
    file was quarantined whole or rejected too many records.
    """
    try:
        report = run_loyalty(bucket, warehouse, json_output)
    except expected() as error:
        console.fail(str(error))
    console.print_json(report.to_json()) if json_output else print_loyalty(report)
    if not report.ingest.trusted:
        raise typer.Exit(1)
