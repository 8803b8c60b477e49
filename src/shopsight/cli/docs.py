"""`shopsight docs erd`: generated documentation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import docs_app
from shopsight.cli.options import expected


@docs_app.command("erd")
def docs_erd(
    document: Annotated[
        Path,
        typer.Option(
            metavar="FILE", help="Markdown file with the ERD markers.", exists=True, dir_okay=False
        ),
    ] = Path("docs/warehouse.md"),
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the document's diagram is stale.")
    ] = False,
) -> None:
    """Regenerate the star schema diagrams in docs/warehouse.md from the dbt manifest."""
    from shopsight.build import run_dbt
    from shopsight.config import Settings
    from shopsight.erd import STARS, load_manifest, star_diagram, with_diagram

    settings = Settings()
    try:
        parsed = run_dbt(settings.warehouse, ["parse"])
    except expected() as error:
        console.fail(str(error))
    if not parsed.success:
        console.fail(f"dbt parse failed: {parsed.exception}")
    text = updated = document.read_text()
    manifest = load_manifest(settings.warehouse)
    try:
        for folder in STARS:
            updated = with_diagram(updated, star_diagram(manifest, folder), folder)
    except ValueError as error:
        console.fail(f"{document}: {error}")
    if check and updated != text:
        console.fail(f"{document}: the diagram is stale; run `shopsight docs erd`", code=1)
    if not check:
        document.write_text(updated)
