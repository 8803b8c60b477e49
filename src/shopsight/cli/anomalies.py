"""`shopsight anomalies`: check the day against its usual weekday, list what was found,
and acknowledge what was expected."""

from __future__ import annotations

from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import anomalies_app
from shopsight.cli.options import JsonOption, WarehouseOption, expected, open_store, parse_day
from shopsight.words import plural


@anomalies_app.command("check")
def check_command(
    day: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="DAY", help="Day to check, YYYY-MM-DD (default: the last day)."
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Compare a day with its usual weekday: every monitor of monitors.yaml (or
    SHOPSIGHT_MONITORS) on the marts and on the landed tables' files of that day. The
    daily run does this in its `anomalies` step. Exits 1 when it finds an anomaly."""
    from shopsight.anomalies.check import check_anomalies
    from shopsight.anomalies.monitors import load_monitors
    from shopsight.report.data import latest_data_day

    checked_day = parse_day(day, "--date") if day else None
    try:
        with open_store(None, warehouse, must_exist=True) as (settings, _, wh):
            monitors = load_monitors(settings.monitors)
            checked_day = checked_day or latest_data_day(wh)
            if checked_day is None:
                console.fail("the marts hold no day yet: nothing to check (run `shopsight run`)")
            check = check_anomalies(wh, monitors, checked_day)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(check.to_json())
    else:
        found = check.anomalies
        console.say(
            f"{checked_day}: {plural(check.monitors, 'mart monitor')} checked, "
            f"{len(found)} {'anomaly' if len(found) == 1 else 'anomalies'} found"
        )
        for line in check.skipped + check.errors:
            console.say_wrapped(line, indent=2)
        for anomaly in found:
            console.say_wrapped(
                f"{anomaly['anomaly_id']} {anomaly['severity']}: {anomaly['sentence']}", indent=2
            )
        if check.learning:
            console.say_wrapped(f"learning (too little history): {', '.join(check.learning)}")
    if check.anomalies or check.errors:
        raise typer.Exit(1)


@anomalies_app.command("list")
def list_command(
    include_acked: Annotated[
        bool, typer.Option("--all", help="Acknowledged anomalies too.")
    ] = False,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The anomalies found, newest day first: open ones (and with --all the acknowledged,
    with who, when and why)."""
    from shopsight.anomalies.record import recorded_anomalies

    try:
        with open_store(None, warehouse, must_exist=True) as (_, _, wh):
            found = recorded_anomalies(wh, acked=None if include_acked else False)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json([a.to_json() for a in found])
        return
    if not found:
        console.say("no open anomalies" if not include_acked else "no anomalies recorded")
        return
    for anomaly in found:
        state = (
            f"acknowledged by {anomaly.acked_by}: {anomaly.ack_reason}"
            if anomaly.acked
            else ("open: shopsight anomalies ack " + anomaly.anomaly_id + ' --reason "..."')
        )
        console.say(f"{anomaly.anomaly_id}  {anomaly.day}  {anomaly.severity}  {anomaly.monitor}")
        console.say_wrapped(anomaly.sentence, indent=2)
        console.say_wrapped(state, indent=2)


@anomalies_app.command("ack")
def ack_command(
    anomaly_id: Annotated[
        str, typer.Argument(metavar="ID", help="The anomaly's id (`shopsight anomalies list`).")
    ],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why it was expected.")],
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Mark an anomaly as expected (a sale, a holiday, a known outage): recorded with who,
    when and why. Its day no longer counts in the monitor's usual values."""
    from shopsight.anomalies.record import acknowledge

    try:
        with open_store(None, warehouse, must_exist=True) as (_, _, wh):
            done = acknowledge(wh, anomaly_id, reason)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(done.to_json())
        return
    console.say(f"{done.anomaly_id} ({done.day}, {done.monitor}) acknowledged by {done.acked_by}")
    console.say_wrapped(done.sentence, indent=2)
