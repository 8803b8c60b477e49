"""`shopsight reconcile`: the revenue gap between the sales system and the marts, by cause."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import (
    BucketOption,
    JsonOption,
    WarehouseOption,
    expected,
    open_store,
    parse_day,
    parse_zone,
)


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"


def _tolerance(value: str) -> Decimal:
    try:
        limit = Decimal(value)
    except InvalidOperation:
        console.fail(f"--tolerance {value!r}: expected an amount like 0.01")
    if not limit.is_finite() or limit < 0:
        console.fail(f"--tolerance {value!r}: expected an amount of 0 or more")
    return limit


@app.command("reconcile")
def reconcile_command(
    from_day: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="First day, YYYY-MM-DD.")
    ],
    to_day: Annotated[
        str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (inclusive), YYYY-MM-DD.")
    ],
    source: Annotated[
        str,
        typer.Option(
            metavar="SOURCE",
            help="The sales system: 'landing' (the landing tables), a postgresql:// URL of "
            "the sales database, or the path of its order export (CSV).",
        ),
    ] = "landing",
    tolerance: Annotated[
        str | None,
        typer.Option(
            metavar="AMOUNT",
            help="Largest unexplained amount that still passes "
            "(default SHOPSIGHT_RECONCILE_TOLERANCE, 0.01).",
        ),
    ] = None,
    business_timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="Time zone of the sales team's days. Default: SHOPSIGHT_BUSINESS_TIMEZONE.",
        ),
    ] = None,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format", metavar="[text|markdown|html]", help="text (a table), markdown or html."
        ),
    ] = Format.text,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Write the report (or the email) to this file."),
    ] = None,
    email: Annotated[
        bool,
        typer.Option(
            "--email", help="Draft the email to the sales team instead (text, or --format html)."
        ),
    ] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Explain, cause by cause, why the sales system's revenue differs from the warehouse's.

    The sales system counts gross order value, every status, by order time in the business
    time zone; the warehouse (marts.fct_orders) counts net revenue by UTC day. Every order's
    difference is classified (excluded statuses, day boundary, not arrived, file not loaded,
    quarantined, duplicates, rounding, unexplained); the causes add up exactly to the gap.
    Exits 1 when the unexplained remainder exceeds --tolerance (a daily control), when a
    day of the period is incomplete in the warehouse (orders of unknown revenue: each is
    named), and when neither side has an order in the period.
    """
    from shopsight.reconcile import SalesSourceError, reconcile
    from shopsight.reconcile.email import draft_email
    from shopsight.reconcile.render import summary_rows, title, to_html, to_markdown

    start, end = parse_day(from_day, "--from"), parse_day(to_day, "--to")
    if business_timezone is not None:
        parse_zone(business_timezone, "--business-timezone")
    if end < start:
        console.fail(f"--to {end} is before --from {start}")
    limit = _tolerance(tolerance) if tolerance is not None else None
    try:
        with open_store(bucket, warehouse, must_exist=True) as (settings, store, wh):
            limit = settings.reconcile_tolerance if limit is None else limit
            zone = business_timezone or settings.business_timezone
            result = reconcile(wh, start, end, zone, source, store)
    except expected(SalesSourceError) as error:
        console.fail(str(error))
    except KeyError as error:  # ZoneInfo's unknown zone
        console.fail(f"unknown time zone {error}")
    if email:
        draft = draft_email(result, date.today())
        text = draft.html if output_format is Format.html else draft.text
        _emit(text, out, draft.to_json() if json_output else None)
    elif json_output:
        _emit("", out, result.to_json())
    elif output_format is Format.markdown:
        _emit(to_markdown(result), out, None)
    elif output_format is Format.html:
        _emit(to_html(result), out, None)
    elif out is not None:
        _emit(to_markdown(result), out, None)
    else:
        console.print_table(
            f"{title(result)} ({zone} days vs UTC days)",
            ["cause", "amount", "orders"],
            summary_rows(result),
        )
    if result.source_orders == 0 and result.warehouse_orders == 0:
        console.fail(
            f"no orders from {start} to {end} in the sales system or the warehouse: "
            "nothing to reconcile",
            code=1,
        )
    for line in result.incomplete_days():
        console.err.print(f"incomplete day {line}", markup=False, highlight=False, soft_wrap=True)
    if abs(result.unexplained) > limit or result.incomplete:
        raise typer.Exit(1)


def _emit(text: str, out: Path | None, data: object | None) -> None:
    """Print (or write to --out) the text, or the JSON document when given."""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            out.write_text(console.to_json_text(data) + "\n", encoding="utf-8")
        else:
            out.write_text(text, encoding="utf-8")
        console.err.print(f"wrote {out}")
    elif data is not None:
        console.print_json(data)
    else:
        console.out.print(text, markup=False, highlight=False, soft_wrap=True)
