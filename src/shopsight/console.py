"""How the CLI talks to people: JSON for machines, rich tables and progress for humans."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from shopsight.redact import redact

err = Console(stderr=True)
out = Console()


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, credentials redacted."""
    sys.stdout.write(to_json_text(data) + "\n")


def to_json_text(data: Any) -> str:
    """``data`` as indented JSON, credentials redacted; a list of whole numbers (ids: a year's
    reconciliation lists millions) on one line, written by the json module's fast encoder."""
    lists: list[list[int]] = []

    def lift(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: lift(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            if value and all(type(item) is int for item in value):
                lists.append(list(value))
                return f"{_LIST_MARK}{len(lists) - 1}"
            return [lift(item) for item in value]
        return value

    text = redact(json.dumps(lift(data), indent=2, sort_keys=True, default=str))
    for number, numbers in enumerate(lists):
        text = text.replace(f'"{_LIST_MARK}{number}"', json.dumps(numbers), 1)
    return text


_LIST_MARK = "@shopsight-whole-numbers:"  # stands in for a list while the rest is indented


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=Text(title), title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:  # data is shown as text, never read as markup
        table.add_row(*[Text("" if value is None else str(value)) for value in row])
    out.print(table)


@contextmanager
def progress_bar(description: str, quiet: bool) -> Iterator[Progress]:
    """A progress bar on stderr (hidden for --json runs and when stderr is not a terminal)."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )
    with progress:
        yield progress


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one clear line on stderr and a non-zero exit code."""
    err.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False, soft_wrap=True)
    raise SystemExit(code)
