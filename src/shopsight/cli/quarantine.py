"""`shopsight quarantine list|show|readmit`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shopsight import console
from shopsight.cli.app import quarantine_app
from shopsight.cli.options import EXPECTED, BucketOption, JsonOption, WarehouseOption, open_store
from shopsight.ingest.problems import accept_problem
from shopsight.ingest.readmit import find_quarantined, readmit
from shopsight.ingest.status import check_filters, check_reason, list_quarantine


@quarantine_app.command("list")
def quarantine_list(
    source: Annotated[str | None, typer.Option(metavar="SOURCE", help="Only this source.")] = None,
    table: Annotated[str | None, typer.Option(metavar="TABLE", help="Only this table.")] = None,
    reason: Annotated[
        str | None, typer.Option(metavar="CODE", help="Only this reason code.")
    ] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Include re-admitted rows.")] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List quarantined rows and files with file, line, column and reason."""
    try:
        check_filters(source, table)
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            if reason:
                check_reason(wh, reason)
            rows = list_quarantine(wh, all_rows, table, reason, source)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": rows})
        return
    console.print_table(
        f"{len(rows)} quarantined",
        ["id", "path", "line", "column", "reason", "message"],
        [[r["id"], r["path"], r["line"], r["column"], r["reason"], r["message"]] for r in rows],
    )


@quarantine_app.command("show")
def quarantine_show(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Quarantine ids.")],
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show quarantined rows in full, with the raw line as delivered."""
    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            rows = find_quarantined(wh, ids)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": rows})
        return
    for row in rows:
        for key, value in row.items():
            console.out.print(f"[bold]{key}[/]: {escape(str(value))}", highlight=False)
        console.out.print()


@quarantine_app.command("readmit")
def quarantine_readmit(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Quarantine ids to re-admit.")],
    line: Annotated[
        str | None, typer.Option(metavar="LINE", help="A fixed line replacing one quarantined row.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Fixed content for one quarantined file.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load quarantined rows (as delivered, or fixed) or files through the normal path.

    Exits 1 if a re-admitted row is rejected again (it is quarantined anew).
    """
    if line is not None and file is not None:
        console.fail("give --line (for a row) or --file (for a file), not both")
    replacement = line.encode() if line is not None else file.read_bytes() if file else None
    try:
        with open_store(bucket, warehouse) as (_, target, wh):
            results = readmit(target, wh, ids, replacement)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"files": [r.to_json() for r in results]})
    else:
        for r in results:
            console.out.print(
                f"{r.path}: {r.rows_loaded} loaded, {r.rows_rejected} quarantined "
                f"again ({r.status})",
                highlight=False,
            )
    if any(r.rows_rejected or r.status == "quarantined" for r in results):
        raise typer.Exit(1)


@quarantine_app.command("accept")
def quarantine_accept(
    problem_id: Annotated[
        str, typer.Argument(metavar="ID", help="The untrusted file's id (from `shopsight status`).")
    ],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why the file is accepted as it is.")],
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Accept an untrusted file as it is, so it no longer keeps the run red.

    Recorded with who accepted it, when and why. Prefer re-admitting a fixed file; accept
    when the data is known to be lost or wrong at the source.
    """
    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            problem = accept_problem(wh, problem_id, reason)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"accepted": problem.to_json(), "reason": reason})
    else:
        console.out.print(f"accepted {problem.path}: {reason}", markup=False, highlight=False)
