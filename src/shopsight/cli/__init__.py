"""``shopsight <command>``: thin wiring from the command line to the package.

Each module registers one command group on the app; importing them is what assembles it.
"""

import os
from typing import Any

from pydantic import ValidationError

from shopsight import console
from shopsight.cli import (  # noqa: F401
    anomalies,
    build,
    contracts,
    demo,
    docs,
    generate,
    ingest,
    loyalty,
    metrics,
    quarantine,
    reconcile,
    report,
    run,
    spark,
    tracking,
    withdraw,
)
from shopsight.cli.app import app
from shopsight.config import Settings


def main() -> None:
    """The ``shopsight`` command. An error nobody foresaw still ends in one redacted line
    (exit 2), never a traceback; ``SHOPSIGHT_DEBUG=1`` shows the traceback for a bug report."""
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except ValidationError as error:
        if error.title != "Settings" or os.environ.get("SHOPSIGHT_DEBUG"):
            raise
        console.fail("; ".join(_setting_problem(problem) for problem in error.errors()))
    except Exception as error:  # noqa: BLE001 - the last line of defence, see above
        if os.environ.get("SHOPSIGHT_DEBUG"):
            raise
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        console.fail(
            f"{type(error).__name__}: {first} (unexpected: run with SHOPSIGHT_DEBUG=1 for "
            "the traceback and report it)"
        )


def _setting_problem(problem: Any) -> str:
    """A setting's variable and what it expects, never the value it was given (it may be
    a secret)."""
    name = str(problem["loc"][0]) if problem["loc"] else "a setting"
    field = Settings.model_fields.get(name)
    if field is not None and field.validation_alias is None:
        name = f"SHOPSIGHT_{name.upper()}"
    return f"{name.upper()}: {problem['msg']}"


__all__ = ["app", "main"]
