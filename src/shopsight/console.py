"""How the CLI talks to people: JSON for machines, rich tables and progress for humans."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NoReturn

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
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


def say(line: str) -> None:
    """One line for a person on stdout: plain text, never read as markup."""
    out.print(line, markup=False, highlight=False, soft_wrap=True)


def wrap(text: str, width: int) -> list[str]:
    """A paragraph's lines at most ``width`` wide, narrowed a little when that keeps a single
    word off the last line; a word too long for a line (a path, a URL) keeps a line of its
    own, unbroken so it can be copied."""
    words = " ".join(text.split())
    for narrower in range(width, max(width - 20, 20) - 1, -1):
        lines = textwrap.wrap(words, narrower, break_long_words=False, break_on_hyphens=False)
        if len(lines) < 2 or len(lines[-1].split()) > 1:
            return lines
    return textwrap.wrap(words, width, break_long_words=False, break_on_hyphens=False)


def say_wrapped(text: str, indent: int = 0) -> None:
    """A paragraph wrapped to the terminal's width under an indent, without orphan words."""
    lines = wrap(text, max(out.width - indent, 30))
    for line in lines or [""]:
        say(" " * indent + line)


def say_hanging(head: str, text: str) -> None:
    """``head`` then ``text`` wrapped to the terminal beside it, continuation lines indented
    under the text's start."""
    lines = wrap(text, max(out.width - len(head), 24)) or [""]
    say(head + lines[0])
    for line in lines[1:]:
        say(" " * len(head) + line)


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A table for a person: numbers (int, Decimal) right-aligned with thousands separators,
    text shown as text (never read as markup), light rules so it fits 80 columns. Numbers,
    the first column (the row's key: a table, a step, a day) and every column of single
    words (keys, dates, codes, names) are never broken or cut: columns of sentences wrap to
    make room, and a table that still cannot fit is printed wider (the terminal wraps its
    lines) rather than cropped. A header may carry a line break."""
    out.print(Text(title))  # on its own line: a table's title would wrap at the table's width
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for number, column in enumerate(columns):
        values = [row[number] for row in rows if row[number] is not None]
        numeric = bool(values) and all(type(value) in (int, Decimal) for value in values)
        words = all(" " not in _cell(value) and len(_cell(value)) <= 120 for value in values)
        whole = number == 0 or numeric or words
        table.add_column(
            Text(column),
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=whole,
            min_width=max(len(text) for text in [*column.splitlines(), *map(_cell, values)])
            if whole
            else min(24, max((len(_cell(v)) for v in values), default=len(column))),
        )
    for row in rows:
        table.add_row(*[Text(_cell(value)) for value in row])
    # Measured without the terminal's limit (a measurement is clamped to the width asked).
    needed = Measurement.get(out, out.options.update(width=10_000), table).minimum
    # rich renders no wider than the console (a sentence column would vanish): widen it for
    # this table, then give the console back its own width (None: the terminal's).
    own = getattr(out, "_width", None)
    out.width = max(out.width, needed)
    try:
        out.print(table, crop=False)
    finally:
        out._width = own  # noqa: SLF001 - rich has no public way to unset a width


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:,}" if type(value) in (int, Decimal) else str(value)


class _ProgressOnceMoving(Progress):
    """Draws nothing until a task moves: a command that ends on bad input before any work
    prints its one error line and no empty bar above it."""

    shown = False

    def update(self, task_id: TaskID, **changes: Any) -> None:
        super().update(task_id, **changes)
        self._show()

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._show()

    def _show(self) -> None:
        if not self.shown and not self.disable:
            self.shown = True
            self.start()


@contextmanager
def progress_bar(description: str, quiet: bool) -> Iterator[Progress]:
    """A progress bar on stderr once work moves (hidden for --json runs and when stderr is
    not a terminal)."""
    progress = _ProgressOnceMoving(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )
    try:
        yield progress
    finally:
        if progress.shown:
            progress.stop()


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one clear line on stderr and a non-zero exit code."""
    err.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False, soft_wrap=True)
    raise SystemExit(code)
