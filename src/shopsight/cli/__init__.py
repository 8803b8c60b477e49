"""``shopsight <command>``: thin wiring from the command line to the package.

Each module registers one command group on the app; importing them is what assembles it.
"""

from shopsight.cli import (  # noqa: F401
    build,
    contracts,
    demo,
    docs,
    generate,
    ingest,
    loyalty,
    quarantine,
    reconcile,
    report,
    run,
    tracking,
)
from shopsight.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
