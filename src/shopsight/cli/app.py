"""The command tree: `shopsight` and its command groups."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated, Any

import typer

from shopsight.cli.help import PlainHelpCommand, PlainHelpGroup


class CommandGroup(typer.Typer):
    """A `shopsight` command group. Help is plain text that click rewraps to the terminal's
    width (rich's panels keep the docstrings' line breaks, leaving orphan words at 80
    columns), and usage errors are one plain line naming the valid values."""

    def __init__(self, help: str) -> None:
        super().__init__(
            help=help,
            cls=PlainHelpGroup,
            no_args_is_help=True,
            rich_markup_mode=None,
            pretty_exceptions_enable=False,
            context_settings={"max_content_width": 100},
        )

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", PlainHelpCommand)
        return super().command(*args, **kwargs)


app = CommandGroup("ShopSight: land, validate, load and model an online store's data.")


def _print_version(value: bool) -> None:
    if value:
        print(f"shopsight {version('shopsight')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """ShopSight: land, validate, load and model an online store's data.

    Every command prints a summary (--json for machines) and exits 0 only when what it
    reports can be trusted. Settings come from SHOPSIGHT_* environment variables (README).
    """


generate_app = CommandGroup("Write synthetic source files into a bucket.")
quarantine_app = CommandGroup("Inspect and re-admit quarantined rows and files.")
contracts_app = CommandGroup(
    "Landing-table contracts, their DDL, and where landed data departs from them."
)
metrics_app = CommandGroup("Metrics from the semantic layer (MetricFlow): one definition each.")
docs_app = CommandGroup("Generated documentation.")
anomalies_app = CommandGroup(
    "Days unlike their usual weekday: check, list, acknowledge (docs/anomalies.md)."
)
app.add_typer(generate_app, name="generate")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(contracts_app, name="contracts")
app.add_typer(metrics_app, name="metrics")
app.add_typer(docs_app, name="docs")
app.add_typer(anomalies_app, name="anomalies")
