"""`shopsight contracts ddl|drift|warnings`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import contracts_app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store
from shopsight.words import plural


@contracts_app.command("ddl")
def contracts_ddl(
    source: Annotated[str, typer.Option(metavar="SOURCE", help="Source contract.")] = "retail_db",
    dialect: Annotated[
        str, typer.Option(metavar="[postgres|duckdb]", help="postgres or duckdb.")
    ] = "postgres",
    output: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write to this file instead of stdout.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if --output differs from the contract.")
    ] = False,
) -> None:
    """Print (or write, or check) the landing DDL generated from a contract."""
    from shopsight.contracts.ddl import render_landing_ddl
    from shopsight.contracts.model import ContractError, load_contract

    if dialect not in ("postgres", "duckdb"):
        console.fail(f"--dialect {dialect!r}: expected postgres or duckdb")
    try:
        ddl = render_landing_ddl(load_contract(source), dialect)  # type: ignore[arg-type]
    except ContractError as error:
        console.fail(str(error))
    if output is None:
        sys.stdout.write(ddl)  # as generated: the console would wrap lines at its width
    elif check:
        if not output.exists() or output.read_text() != ddl:
            console.fail(
                f"{output} differs from the {source} contract: run "
                f"`shopsight contracts ddl --output {output}`",
                code=1,
            )
    else:
        output.write_text(ddl)


@contracts_app.command("drift")
def contracts_drift(
    source: Annotated[str | None, typer.Option(metavar="SOURCE", help="Only this source.")] = None,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List columns files carried that the contract does not declare, or lacked.

    An undeclared column loads as text into a column the landing table gains; a
    missing nullable column loads as null. Per table and column: the first and last
    day seen and the number of files.
    """
    from shopsight.ingest.drift import drift_report
    from shopsight.ingest.status import check_filters

    try:
        check_filters(source, None)
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            rows = drift_report(wh, source)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"drift": rows})
        return
    console.print_table(
        f"{plural(len(rows), 'column')} differ from the contracts"
        if rows
        else "no drift: every landed file had exactly the contract's columns",
        ["source", "table", "column", "kind", "first day", "last day", "files"],
        [
            [
                r["source"],
                r["table"],
                r["column"],
                r["kind"],
                r["first_day"],
                r["last_day"],
                r["files"],
            ]
            for r in rows
        ],
    )


@contracts_app.command("warnings")
def contracts_warnings(
    source: Annotated[str | None, typer.Option(metavar="SOURCE", help="Only this source.")] = None,
    table: Annotated[str | None, typer.Option(metavar="TABLE", help="Only this table.")] = None,
    reason: Annotated[
        str | None, typer.Option(metavar="CODE", help="Only this reason code.")
    ] = None,
    limit: Annotated[
        int, typer.Option(metavar="N", min=1, help="Show at most this many rows.")
    ] = 100,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List rows that loaded although they broke a business rule (severity warn).

    Each with its file, line, column, rule and what was expected.
    """
    from shopsight.ingest.status import check_filters, list_row_warnings

    try:
        check_filters(source, table)
        with open_store(bucket, warehouse, must_exist=True) as (_, _, wh):
            total, rows = list_row_warnings(wh, source, table, reason, limit)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"total": total, "warnings": rows})
        return
    shown = f" (first {len(rows)})" if len(rows) < total else ""
    console.print_table(
        f"{plural(total, 'row')} loaded with a warning{shown}",
        ["path", "line", "key", "reason", "message"],
        [[r["path"], r["line"], r["key"], r["reason"], r["message"]] for r in rows],
    )
