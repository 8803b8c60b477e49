"""The README and the docs are true to the code: every option they name exists on the command
they name it for, and every setting is in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from shopsight.cli import app
from shopsight.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TREE = typer.main.get_command(app)


def code_spans(text: str) -> list[str]:
    """Inline code and the lines of fenced blocks (continuations joined)."""
    spans = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        spans += block.replace("\\\n", " ").splitlines()
    spans += re.findall(r"(?<!`)`([^`\n]+)`(?!`)", re.sub(r"```.*?```", "", text, flags=re.S))
    return spans


def invocations(text: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """Each `shopsight COMMAND ... --option` named in the text: the command's path, the options."""
    found = []
    for span in code_spans(text):
        for call in re.split(r"(?:^|\s|/)shopsight\s+", span.replace("\\|", "|"))[1:]:
            words = call.split()
            command, path = TREE, []
            while words and words[0] in getattr(command, "commands", {}):
                command = command.commands[words[0]]  # type: ignore[attr-defined]
                path.append(words.pop(0))
            options = [m for w in words for m in re.findall(r"(?<![\w-])--[a-z][a-z-]*", w)]
            if path:
                found.append((tuple(path), options))
    return found


def option_names(path: tuple[str, ...]) -> set[str]:
    command = TREE
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_named_option_exists(document: Path) -> None:
    wrong = [
        f"`shopsight {' '.join(path)} {option}`"
        for path, options in invocations(document.read_text())
        for option in options
        if option not in option_names(path)
    ]
    assert wrong == [], f"{document.name} names options the command does not have: {wrong}"


def test_the_readme_names_commands() -> None:
    named = {path for path, _ in invocations((ROOT / "README.md").read_text())}
    assert ("run",) in named and ("quarantine", "readmit") in named and len(named) >= 20


def test_the_check_catches_a_wrong_option() -> None:
    assert invocations("`shopsight build --bucket URL`") == [(("build",), ["--bucket"])]
    assert "--bucket" not in option_names(("build",))


def setting_variables() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.append(alias if isinstance(alias, str) else f"SHOPSIGHT_{name.upper()}")
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in setting_variables() if f"`{name}`" not in table]
    assert len(setting_variables()) > 30
    assert missing == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_stay_in_the_repository(document: Path) -> None:
    text = document.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)", text) + re.findall(r"`(\.\./[^`]+)`", text)
    outside = [
        target
        for target in targets
        if "://" not in target and not (document.parent / target).resolve().is_relative_to(ROOT)
    ]
    missing = [
        target
        for target in targets
        if "://" not in target and target not in outside and not (document.parent / target).exists()
    ]
    assert (outside, missing) == ([], [])
