"""`shopsight run`: the daily job."""

from __future__ import annotations

from datetime import date

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.build import print_build, run_build
from shopsight.cli.ingest import print_ingest, run_ingest
from shopsight.cli.options import EXPECTED, BucketOption, JsonOption, WarehouseOption
from shopsight.config import Settings
from shopsight.generate.export import generate_retail_db
from shopsight.storage import Bucket


@app.command("run")
def run_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The daily job: generate demo data if the bucket is empty, ingest, build the warehouse.

    Exits 1 if ingestion was not trusted (a file quarantined whole, too many rejects) or the
    build failed; the warehouse is built either way from what did load.
    """
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    try:
        target = Bucket(settings.bucket, settings)
        if target.is_empty("landing/"):
            if not json_output:
                console.err.print(f"bucket {target.url} is empty: generating 90 days of demo data")
            generate_retail_db(target, date(2024, 1, 1), 90, 20_000, 42, "default")
        report = run_ingest(
            settings.bucket, settings.warehouse, "retail_db", None, False, json_output
        )
        summary = run_build(settings.warehouse, None, False, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json(
            {
                "ingest": report.to_json(),
                "build": summary.to_json(),
                "warehouse": settings.warehouse,
            }
        )
    else:
        print_ingest(report)
        print_build(summary)
        console.out.print(f"warehouse: {settings.warehouse}   bucket: {settings.bucket}")
        console.out.print("next: `shopsight status`, `shopsight quarantine list`")
    if not report.trusted or not summary.success:
        raise typer.Exit(1)
