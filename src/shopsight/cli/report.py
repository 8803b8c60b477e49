"""`shopsight report`: the daily run report, one self-contained HTML page with charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, parse_day


@app.command("report")
def report_command(
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="Report day, YYYY-MM-DD (default: the last day with orders).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Also write the page to this file.")
    ] = None,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the daily run report to reports/dt=<day>/shopsight-report.html in the bucket.

    One HTML file that opens without a network: revenue and units over time, the web funnel
    by traffic source, products that stopped selling (with sparklines), the largest price
    changes, pipeline health (files, quarantined rows by reason, tests), shipment tracking
    and the week's revenue reconciliation. The daily run writes it after the build.
    """
    from shopsight.config import Settings
    from shopsight.report.data import NoReportData
    from shopsight.report.publish import publish_report  # loads matplotlib: only when used

    run_date = parse_day(day, "--date") if day else None
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    try:
        report = publish_report(settings, run_date)
    except NoReportData as error:
        console.fail(str(error), code=1)
    except expected() as error:
        console.fail(str(error))
    summary = report.to_json()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.html, encoding="utf-8")
        summary["file"] = str(out)
    if json_output:
        console.print_json(summary)
        return
    console.out.print(f"report for {report.run_date} ({report.size_bytes:,} bytes): {report.url}")
    if out is not None:
        console.out.print(f"also written to {out}")
