"""Help text that reads well at any width: wrapped without orphan words, command summaries
never cut short, arguments named without Python types. (typer vendors its own click: these
classes derive from its classes, whose exits typer catches.)"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable

import typer
from typer._click.core import Context
from typer._click.formatting import HelpFormatter as BaseFormatter
from typer.core import TyperCommand, TyperGroup

from shopsight.console import wrap


def paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", inspect.cleandoc(text)) if part.strip()]


def first_sentence(text: str) -> str:
    """A command's summary in a list of commands: its help's first sentence, whole."""
    first = " ".join(paragraphs(text)[0].split()) if text.strip() else ""
    match = re.match(r"(.+?\.)(\s|$)", first)
    return match.group(1) if match else first


class HelpFormatter(BaseFormatter):
    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        blocks = [
            "\n".join(indent + line for line in wrap(part, width)) for part in paragraphs(text)
        ]
        self.write("\n\n".join(blocks) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((len(term) for term, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for term, description in rows:
            self.write(" " * self.current_indent + term)
            lines = wrap(description, text_width) if description else []
            if not lines:
                self.write("\n")
                continue
            if len(term) <= first_col - col_spacing:
                self.write(" " * (first_col - len(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


class HelpContext(typer.Context):
    formatter_class = HelpFormatter


class PlainHelpCommand(TyperCommand):
    """A command whose help lists each argument by its name and help alone (typer would
    append the Python type, `ID <list[str]>`)."""

    context_class = HelpContext

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or first_sentence(self.help or "")

    def format_options(self, ctx: Context, formatter: BaseFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                dots = "..." if param.nargs != 1 and not param.metavar else ""
                required = "  [required]" if param.required else ""
                arguments.append((name + dots, (getattr(param, "help", "") or "") + required))
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class PlainHelpGroup(TyperGroup):
    """A command group with the same help, listing each command by its first sentence."""

    context_class = HelpContext

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or first_sentence(self.help or "")
