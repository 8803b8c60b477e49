"""`shopsight generate check-demo`: did ShopSight catch every injected fault as predicted?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from shopsight import console
from shopsight.cli.app import generate_app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store

if TYPE_CHECKING:
    from shopsight.demo import DemoCheck


@generate_app.command("check-demo")
def check_demo_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check the demo's story after a run: each fault the generator injected (its
    manifests) was caught exactly as predicted. Names the files left untrusted (`shopsight
    status` gives the command that resolves each) and the latest report.

    Exits 0 when every fault was caught as predicted (the daily run itself stays red while
    files are untrusted, as it should), 1 otherwise.
    """
    from shopsight.demo import check_demo

    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, target, wh):
            check = check_demo(target, wh)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(check.to_json())
    else:
        _print(check)
    if not check.caught:
        raise typer.Exit(1)


def _print(check: DemoCheck) -> None:
    say = console.say
    if check.caught:
        say(f"The demo caught all {check.faults} injected faults exactly as its manifests say.")
    else:
        say(f"{len(check.missed)} of {check.faults} injected faults were not caught as predicted:")
        for line in check.missed:
            console.say_wrapped(line, indent=2)
    if check.problems:
        console.say_wrapped(
            f"{len(check.problems)} files stay untrusted, so `shopsight run` stays red until "
            "each is resolved:"
        )
        for problem in check.problems:
            console.say(f"  {problem.path}")
        console.say("`shopsight status` shows why, and the command that resolves each.")
    for problem, fixed in check.reexports:
        console.say_wrapped(
            f"The store re-exported {problem.path.rsplit('/', 3)[-3]} of {problem.file_dt}: "
            f"shopsight quarantine readmit {problem.short_id}:file --file {fixed}"
        )
    if check.problems:
        console.say_wrapped(
            "Day two: resolve them, then `shopsight generate next-day` and "
            "`shopsight run --date <that day>`."
        )
    for link in check.reports[-1:]:
        say(f"Latest report: {link}")
