"""`shopsight quarantine list|show|readmit|accept`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shopsight import console
from shopsight.cli.app import quarantine_app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store
from shopsight.words import plural

if TYPE_CHECKING:
    from shopsight.ingest.batch import FileResult

IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID...",
        help="Quarantine ids as `quarantine list` shows them (any unique prefix, e.g. "
        "3f2a91c0:12 or 3f2a91c0:file).",
    ),
]


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
    """List quarantined rows and files, by file: short id, line, column and reason."""
    from shopsight.ingest.quarantine_ids import short_ids
    from shopsight.ingest.status import check_filters, check_reason, list_quarantine

    try:
        check_filters(source, table)
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            if reason:
                check_reason(wh, reason)
            rows = list_quarantine(wh, all_rows, table, reason, source)
            shortened = short_ids(wh, [row["id"] for row in rows])
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": [{**r, "short_id": shortened[r["id"]]} for r in rows]})
        return
    print_quarantine(rows, shortened)


def print_quarantine(rows: list[dict[str, Any]], shortened: dict[str, str]) -> None:
    """Rows grouped by file: an id short enough to copy, where in the file, the reason, and
    the message wrapped under it."""
    files = list(dict.fromkeys(row["path"] for row in rows))
    console.say(
        f"{len(rows):,} quarantined in {plural(len(files), 'file')}"
        + (" (`shopsight quarantine show ID` shows one in full)" if rows else "")
    )
    for path in files:
        console.say("")
        console.say(path)
        for row in (r for r in rows if r["path"] == path):
            where = "whole file" if row["line"] is None else f"line {row['line']}"
            if row["column"]:
                where += f", {row['column']}"
            readmitted = (
                f" (re-admitted in {row['readmitted_in']})"
                if row["readmitted_in"]
                else f" (accepted by {row['accepted']['by']})"
                if row["accepted"]
                else ""
            )
            console.say(f"  {shortened[row['id']]:<15} {where}: {row['reason']}{readmitted}")
            console.say_wrapped(row["message"] or "", indent=18)


@quarantine_app.command("show")
def quarantine_show(
    ids: IdsArgument,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show quarantined rows in full, with the raw line as delivered."""
    from shopsight.ingest.readmit import find_quarantined

    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            rows = find_quarantined(wh, ids)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": rows})
        return
    for row in rows:
        where = "the whole file" if row["line_number"] is None else f"line {row['line_number']}"
        if row["column_name"]:
            where += f", column {row['column_name']}"
        accepted = row["accepted"]
        state = (
            f"re-admitted in {row['readmitted_in']}"
            if row["readmitted_in"]
            else f"accepted as it is by {accepted['by']} on {accepted['at'][:16]} UTC: "
            f"{accepted['reason']}"
            if accepted
            else "quarantined, not re-admitted yet"
        )
        console.say(row["quarantine_id"])
        console.say(f"  file     {row['path']}")
        console.say(f"  table    {row['source']}.{row['table_name']}, {where}")
        console.say_hanging("  reason   ", f"{row['reason']}: {row['message']}")
        if row["raw_line"] is not None:
            console.say(f"  as sent  {row['raw_line']}")
        console.say(f"  kept at  {row['quarantine_object']}")
        console.say(f"  since    {row['quarantined_at']:%Y-%m-%d %H:%M:%S} UTC")
        console.say_hanging("  state    ", state)
        console.say("")


@quarantine_app.command("readmit")
def quarantine_readmit(
    ids: IdsArgument,
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

    Exits 1 if a re-admitted row is rejected again (it is quarantined anew, with its reason).
    """
    from shopsight.ingest.readmit import readmit

    if line is not None and file is not None:
        console.fail("give --line (for a row) or --file (for a file), not both")
    replacement = line.encode() if line is not None else file.read_bytes() if file else None
    try:
        with open_store(bucket, warehouse, bucket_must_exist=True) as (_, target, wh):
            results = readmit(target, wh, ids, replacement)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"files": [r.to_json() for r in results]})
    else:
        for result in results:
            console.say(result.path)
            console.say_wrapped(readmit_outcome(result), indent=2)
    if any(r.rows_rejected or r.status == "quarantined" for r in results):
        raise typer.Exit(1)


def readmit_outcome(result: FileResult) -> str:
    """One re-admitted file's outcome in words."""
    if result.status == "quarantined":
        return f"still untrusted, quarantined whole again: {result.message}"
    loaded = f"{plural(result.rows_loaded, 'row')} loaded"
    if not result.rows_rejected:
        return f"re-admitted, {loaded}"
    its = "its" if result.rows_rejected == 1 else "their"
    return (
        f"{loaded}; {result.rows_rejected:,} rejected again and kept in the quarantine with "
        f"{its} new reason (`shopsight quarantine list`)"
    )


@quarantine_app.command("accept")
def quarantine_accept(
    problem_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="The untrusted file's id or a unique prefix (`shopsight status`)."
        ),
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
    from shopsight.ingest.problems import accept_problem

    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            problem = accept_problem(wh, problem_id, reason)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"accepted": problem.to_json(), "reason": reason})
    else:
        console.say(f"accepted {problem.path}: {reason}")
