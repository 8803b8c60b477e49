"""Metric filters are MetricFlow where-filters, never raw SQL.

A filter compares the semantic layer's dimensions with values:
``{{ Dimension('session__browser') }} = 'Chrome'``, combined with ``and``, ``or``, ``not``,
``in (...)``, ``is [not] null``, ``like`` and ``between``. Everything else (a ``;``, a
comment, a function call such as ``read_csv('/etc/passwd')``, a column name outside a
``{{ Dimension(...) }}``) is refused with one line before any SQL is compiled, so a read
command can only read what the metrics define.
"""

from __future__ import annotations

import re

# {{ Dimension('a__b') }}, {{ TimeDimension('metric_time', 'day') }}, {{ Entity('user') }},
# optionally followed by .grain('month') or .date_part('year').
_NAME = r"'[a-z][a-z0-9_]*'"
_TEMPLATE = re.compile(
    r"\{\{\s*(?:Dimension|Entity)\(\s*" + _NAME + r"\s*\)"
    r"|\{\{\s*TimeDimension\(\s*" + _NAME + r"\s*(?:,\s*" + _NAME + r"\s*)?\)"
)
_TEMPLATE_END = re.compile(r"(?:\.(?:grain|date_part)\(\s*" + _NAME + r"\s*\))?\s*\}\}")
_STRING = re.compile(r"'(?:[^'\\]|'')*'")
_TOKENS = re.compile(
    r"\s+|\d+(?:\.\d+)?|<>|!=|<=|>=|=|<|>|\(|\)|,|"
    r"(?i:and|or|not|in|is|null|like|ilike|between|true|false)\b"
)


class FilterError(ValueError):
    """A filter that is not a MetricFlow where-filter of this grammar."""


def check_filter(text: str) -> None:
    """Refuse a filter outside the grammar above, naming the first thing it cannot read.

    Raises:
        FilterError: the filter holds anything but dimensions, values and comparisons.
    """
    if not text.strip():
        raise FilterError("--where: an empty filter")
    rest, templates = _replace_templates(text)
    if not templates:
        raise FilterError(
            f"--where {text[:80]!r}: names no dimension; a filter compares dimensions with "
            "values, e.g. \"{{ Dimension('session__browser') }} = 'Chrome'\""
        )
    rest = _STRING.sub(" 0 ", rest)
    position = 0
    while position < len(rest):
        token = _TOKENS.match(rest, position)
        if token is None or token.end() == position:
            found = rest[position : position + 20].split()[0] if rest[position:].strip() else ""
            raise FilterError(
                f"--where {text[:80]!r}: cannot read {found!r}; a filter compares dimensions "
                "with values, e.g. \"{{ Dimension('session__browser') }} = 'Chrome'\""
            )
        position = token.end()


def _replace_templates(text: str) -> tuple[str, int]:
    """Each ``{{ ... }}`` replaced by a value token, and how many; a malformed one refused."""
    out, position = [], 0
    while (start := text.find("{{", position)) >= 0:
        head = _TEMPLATE.match(text, start)
        tail = _TEMPLATE_END.match(text, head.end()) if head else None
        if head is None or tail is None:
            raise FilterError(
                f"--where {text[:80]!r}: {text[start : start + 40]!r} is not "
                "{{ Dimension('entity__name') }}, {{ TimeDimension('metric_time', 'day') }} "
                "or {{ Entity('name') }}"
            )
        out += [text[position:start], " 0 "]
        position = tail.end()
    out.append(text[position:])
    joined = "".join(out)
    if "}}" in joined or "{%" in joined or "{#" in joined:
        raise FilterError(f"--where {text[:80]!r}: an unbalanced or unknown template")
    return joined, len(out) // 2
