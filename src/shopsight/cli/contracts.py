"""`shopsight contracts ddl`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import contracts_app
from shopsight.contracts.ddl import render_landing_ddl
from shopsight.contracts.model import ContractError, load_contract


@contracts_app.command("ddl")
def contracts_ddl(
    source: Annotated[str, typer.Option(help="Source contract.")] = "retail_db",
    dialect: Annotated[str, typer.Option(help="postgres or duckdb.")] = "postgres",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Exit 1 if --output differs from the contract.")
    ] = False,
) -> None:
    """Print (or write, or check) the landing DDL generated from a contract."""
    if dialect not in ("postgres", "duckdb"):
        console.fail(f"--dialect {dialect!r}: expected postgres or duckdb")
    try:
        ddl = render_landing_ddl(load_contract(source), dialect)  # type: ignore[arg-type]
    except ContractError as error:
        console.fail(str(error))
    if output is None:
        console.out.print(ddl, highlight=False, markup=False)
    elif check:
        if not output.exists() or output.read_text() != ddl:
            console.fail(
                f"{output} differs from the {source} contract: run "
                f"`shopsight contracts ddl --output {output}`",
                code=1,
            )
    else:
        output.write_text(ddl)
