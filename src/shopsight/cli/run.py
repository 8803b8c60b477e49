"""`shopsight run`: the daily job."""

from __future__ import annotations

from datetime import date

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.build import print_build, run_build
from shopsight.cli.ingest import print_ingest, run_ingest
from shopsight.cli.loyalty import print_loyalty, run_loyalty
from shopsight.cli.options import EXPECTED, BucketOption, JsonOption, WarehouseOption
from shopsight.config import Settings
from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.storage import Bucket

DEMO_START, DEMO_DAYS = date(2024, 1, 1), 90


def generate_demo(target: Bucket) -> None:
    """90 days of every source, with one of each fault class."""
    generate_retail_db(target, DEMO_START, DEMO_DAYS, 20_000, 42, "default")
    generate_thelook(target, DEMO_START, DEMO_DAYS, 5_000, 42, "default")
    generate_transactions(target, DEMO_START, DEMO_DAYS, 5_000, 42, "default")


@app.command("run")
def run_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The daily job: generate demo data if the bucket is empty, ingest the store's export
    and the web shop's, rescore loyalty from the transactions feed, build the warehouse.

    Exits 1 if ingestion was not trusted (a file quarantined whole, too many rejects) or the
    build failed; the warehouse is built either way from what did load.
    """
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    try:
        target = Bucket(settings.bucket, settings)
        if target.is_empty("landing/"):
            if not json_output:
                console.err.print(f"bucket {target.url} is empty: generating 90 days of demo data")
            generate_demo(target)
        reports = [
            run_ingest(settings.bucket, settings.warehouse, source, None, False, json_output)
            for source in ("retail_db", "thelook")
        ]
        loyalty = run_loyalty(settings.bucket, settings.warehouse, json_output)
        summary = run_build(settings.warehouse, None, False, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json(
            {
                "ingest": [report.to_json() for report in reports],
                "loyalty": loyalty.to_json(),
                "build": summary.to_json(),
                "warehouse": settings.warehouse,
            }
        )
    else:
        for report in reports:
            print_ingest(report)
        print_loyalty(loyalty)
        print_build(summary)
        console.out.print(f"warehouse: {settings.warehouse}   bucket: {settings.bucket}")
        console.out.print("next: `shopsight status`, `shopsight quarantine list`")
    trusted = all(r.trusted for r in reports) and loyalty.ingest.trusted
    if not trusted or not summary.success:
        raise typer.Exit(1)
