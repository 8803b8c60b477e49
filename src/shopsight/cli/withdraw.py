"""`shopsight withdraw`: take a wrongly loaded file out of the current state, or put it back."""

from __future__ import annotations

from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store
from shopsight.words import plural


@app.command("withdraw")
def withdraw_command(
    file_id: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The loaded file's id (a unique prefix, as `quarantine list` or the ledger "
            "shows it) or its landed path.",
        ),
    ],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why: recorded with who and when.")],
    undo: Annotated[
        bool, typer.Option("--undo", help="Put a withdrawn file back (also recorded).")
    ] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Withdraw a loaded file that should not have been loaded (a day copied from another
    store, a wrong export), or put it back with --undo.

    Its rows leave the current state (each key goes back to its version from the other
    loaded files); the history keeps them, and the withdrawal, with who, when and why. The
    next daily run or `shopsight build` rebuilds the marts in full.
    """
    from shopsight.ingest.withdraw import withdraw_file

    try:
        with open_store(bucket, warehouse, must_exist=True) as (_, target, wh):
            done = withdraw_file(wh, file_id, reason, undo=undo, bucket=target)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(done.to_json())
        return
    console.say(done.path)
    console.say_wrapped(
        f"{done.action} by {done.by}: {plural(done.keys_changed, 'key')} of "
        f"{done.source}.{done.table} changed in the current state; the next run rebuilds "
        "the marts in full",
        indent=2,
    )
