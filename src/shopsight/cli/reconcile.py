"""`shopsight reconcile`: the revenue gap between the sales system and the marts, by cause."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import EXPECTED, JsonOption, WarehouseOption, open_store
from shopsight.reconcile import reconcile


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        console.fail(f"{option} {value!r}: expected a date like 2024-03-01")


@app.command("reconcile")
def reconcile_command(
    from_day: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    to_day: Annotated[str, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")],
    tolerance: Annotated[
        str, typer.Option(help="Largest unexplained amount that still passes.")
    ] = "0.01",
    business_timezone: Annotated[
        str | None,
        typer.Option(
            help="Time zone of the sales team's days (default SHOPSIGHT_BUSINESS_TIMEZONE)."
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Explain, cause by cause, why the sales system's revenue differs from the warehouse's.

    The sales system is the landing tables (gross order value, every status, by order time
    in the business time zone); the warehouse is marts.fct_orders (net revenue by UTC day).
    Every difference is classified per order; the causes add up exactly to the gap. Exits 1
    when the unexplained remainder exceeds --tolerance.
    """
    start, end = _day(from_day, "--from"), _day(to_day, "--to")
    try:
        limit = Decimal(tolerance)
    except InvalidOperation:
        console.fail(f"--tolerance {tolerance!r}: expected an amount like 0.01")
    if not limit.is_finite() or limit < 0:
        console.fail(f"--tolerance {tolerance!r}: expected an amount of 0 or more")
    try:
        with open_store(None, warehouse) as (settings, _, wh):
            zone = business_timezone or settings.business_timezone
            result = reconcile(wh, start, end, zone)
    except EXPECTED as error:
        console.fail(str(error))
    except KeyError as error:  # ZoneInfo's unknown zone
        console.fail(f"unknown time zone {error}")
    if json_output:
        console.print_json(result.to_json())
    else:
        console.print_table(
            f"revenue {start} to {end}: sales system {result.source_total:,.2f} vs "
            f"warehouse {result.warehouse_total:,.2f} ({zone} days vs UTC days)",
            ["cause", "amount", "orders"],
            [
                [cause, f"{amount:,.2f}", len(result.orders[cause])]
                for cause, amount in result.by_cause().items()
            ]
            + [["gap (sum of the causes)", f"{result.gap:,.2f}", ""]],
        )
    if abs(result.unexplained) > limit:
        raise typer.Exit(1)
