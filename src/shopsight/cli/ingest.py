"""`shopsight ingest` and `shopsight status`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import EXPECTED, BucketOption, JsonOption, WarehouseOption, open_store
from shopsight.ingest.loader import IngestReport, ingest
from shopsight.ingest.status import table_status


def print_ingest(report: IngestReport) -> None:
    rows: dict[str, dict[str, Any]] = {}
    for f in report.files:
        row = rows.setdefault(
            f.table, {"files": 0, "quarantined": 0, "loaded": 0, "rejected": 0, "reasons": {}}
        )
        row["files"] += 1
        row["quarantined"] += f.status == "quarantined"
        row["loaded"] += f.rows_loaded
        row["rejected"] += f.rows_rejected
        for reason, count in f.rejects_by_reason.items():
            row["reasons"][reason] = row["reasons"].get(reason, 0) + count
        if f.reason:
            row["reasons"][f.reason] = row["reasons"].get(f.reason, 0) + 1
    console.print_table(
        f"ingest run {report.run_id}",
        [
            "table",
            "files",
            "files quarantined",
            "rows loaded",
            "rows quarantined",
            "quarantined by reason",
        ],
        [
            [
                t,
                r["files"],
                r["quarantined"],
                r["loaded"],
                r["rejected"],
                ", ".join(f"{k}={v}" for k, v in sorted(r["reasons"].items())),
            ]
            for t, r in rows.items()
        ],
    )
    for f in report.quarantined_files:
        console.err.print(
            f"[red]file quarantined[/] {f.path}: {f.reason}: {f.message}", highlight=False
        )
    for f in report.over_ratio_files:
        console.err.print(
            f"[red]too many rejects[/] {f.path}: {f.rows_rejected} of "
            f"{f.rows_read} rows quarantined",
            highlight=False,
        )


def run_ingest(
    bucket: str | None,
    warehouse: str | None,
    source: str,
    tables: list[str] | None,
    verify: bool,
    json_output: bool,
) -> IngestReport:
    """Ingest with a progress bar; shared by `ingest` and `run`."""
    with (
        open_store(bucket, warehouse) as (settings, target, wh),
        console.progress_bar(f"ingesting {source}", json_output) as bar,
    ):
        task = bar.add_task("files", total=None)
        return ingest(
            target,
            wh,
            source,
            tables,
            verify,
            settings.max_reject_ratio,
            on_plan=lambda n: bar.update(task, total=n),
            on_file=lambda _: bar.advance(task),
        )


@app.command("ingest")
def ingest_command(
    source: Annotated[str, typer.Option(help="Source whose landing files to load.")] = "retail_db",
    table: Annotated[list[str] | None, typer.Option(help="Only this table (repeatable).")] = None,
    verify: Annotated[bool, typer.Option(help="Re-read every file and compare checksums.")] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load new landed files exactly once; quarantine bad rows and files with reasons.

    Exits 1 when a whole file was quarantined or a file rejected more rows than the
    contract's ratio allows: the warehouse then needs a look before it is trusted.
    """
    try:
        report = run_ingest(bucket, warehouse, source, table, verify, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    console.print_json(report.to_json()) if json_output else print_ingest(report)
    if not report.trusted:
        raise typer.Exit(1)


@app.command("status")
def status_command(
    bucket: BucketOption = None, warehouse: WarehouseOption = None, json_output: JsonOption = False
) -> None:
    """Per table: files and rows loaded, rows quarantined by reason, latest day loaded."""
    try:
        with open_store(bucket, warehouse) as (_, _, wh):
            rows = table_status(wh)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"tables": rows})
        return
    console.print_table(
        "warehouse status",
        [
            "source",
            "table",
            "files",
            "files quarantined",
            "rows loaded",
            "rows quarantined",
            "open quarantine",
            "latest day",
        ],
        [
            [
                r["source"],
                r["table"],
                r["files_loaded"],
                r["files_quarantined"],
                r["rows_loaded"],
                r["rows_rejected"],
                ", ".join(f"{k}={v}" for k, v in r["open_quarantine_by_reason"].items()),
                r["latest_file_dt"],
            ]
            for r in rows
        ],
    )
