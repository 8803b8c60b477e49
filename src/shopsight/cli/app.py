"""The command tree: `shopsight` and its command groups."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="ShopSight: land, validate, load and model an online store's data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
generate_app = typer.Typer(help="Write synthetic source files into a bucket.", no_args_is_help=True)
quarantine_app = typer.Typer(
    help="Inspect and re-admit quarantined rows and files.", no_args_is_help=True
)
contracts_app = typer.Typer(
    help="Landing-table contracts, their DDL, and where landed data departs from them.",
    no_args_is_help=True,
)
app.add_typer(generate_app, name="generate")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(contracts_app, name="contracts")
metrics_app = typer.Typer(
    help="Metrics from the semantic layer (MetricFlow): one definition everywhere.",
    no_args_is_help=True,
)
app.add_typer(metrics_app, name="metrics")
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
