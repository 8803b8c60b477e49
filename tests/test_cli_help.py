"""Every command's --help reads well at 80 columns and at 200: real metavars, whole defaults
and command summaries, no orphan words."""

from __future__ import annotations

import os
import re

import pytest
import typer

from shopsight.cli import app

from support import shopsight

PYTHON_TYPE = re.compile(r"<(?:str|int|float|bool|path|file|datetime|list\[[^\]]*\]|\w+ range)>")
METAVAR_DOTS = re.compile(r"(?<![\w.])[A-Z]+\.\.\.")


def commands(
    command: typer.core.TyperGroup | typer.core.TyperCommand, path: tuple[str, ...]
) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += commands(sub, (*path, name))
    return found


ROOT = typer.main.get_command(app)
EVERY_COMMAND = commands(ROOT, ())


def rendered_help(path: tuple[str, ...], width: int) -> str:
    """The help as a terminal ``width`` columns wide shows it (click keeps 2 columns free)."""
    command, parent = ROOT, None
    context = ROOT.context_class(ROOT, info_name="shopsight", terminal_width=width - 2)
    for name in path:
        parent = context
        command = command.commands[name]  # type: ignore[attr-defined]
        context = command.context_class(
            command, info_name=name, parent=parent, terminal_width=width - 2
        )
    return command.get_help(context)


def problems(text: str, width: int) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"line {number} {line.strip()!r}"
        if len(line) > width:
            found.append(f"{where}: {len(line)} columns")
        if PYTHON_TYPE.search(line):
            found.append(f"{where}: a Python type where a metavar belongs")
        if not line.startswith("Usage:") and ("..." in METAVAR_DOTS.sub("", line) or "…" in line):
            found.append(f"{where}: cut short with an ellipsis")
        words = line.split()
        if (
            len(words) == 1
            and line.startswith("   ")
            and not words[0].startswith("-")
            and not words[0].endswith(":")
        ):
            found.append(f"{where}: one orphan word")
    return found


def test_the_walk_finds_every_command() -> None:
    assert len(EVERY_COMMAND) >= 30
    assert ("quarantine", "readmit") in EVERY_COMMAND and ("tracking", "serve") in EVERY_COMMAND


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("path", EVERY_COMMAND, ids=lambda path: " ".join(path) or "shopsight")
def test_help_reads_well(path: tuple[str, ...], width: int) -> None:
    text = rendered_help(path, width)
    assert "Usage:" in text and "--help" in text
    assert problems(text, width) == [], text


def test_the_checks_catch_what_they_name() -> None:
    bad = (
        "Usage: shopsight x [OPTIONS]\n"
        "  --tolerance <str>  Default SHOPSIGHT_RECONCILE_TOL...\n"
        "                     contract's\n"
    )
    found = " | ".join(problems(bad, 80))
    assert "a Python type" in found and "ellipsis" in found and "orphan" in found
    assert problems("Usage: shopsight q [OPTIONS] {ID...}...\n  ID...  Quarantine ids.\n", 80) == []


def test_a_real_terminal_of_80_columns_gets_the_same_help() -> None:
    result = shopsight("quarantine", "readmit", "--help", env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0
    expected = rendered_help(("quarantine", "readmit"), 80)
    assert result.stdout.splitlines()[1:] == expected.splitlines()[1:]  # but the usage line


def test_version() -> None:
    result = shopsight("--version")
    assert result.returncode == 0 and re.fullmatch(r"shopsight \d+\.\d+\.\d+\S*\n", result.stdout)


def test_run_help_names_every_step() -> None:
    text = rendered_help(("run",), 200)
    for step in ("ingest", "loyalty", "build", "freshness", "reconcile", "report"):
        assert step in text
