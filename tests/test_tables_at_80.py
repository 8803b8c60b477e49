"""Every table the CLI prints keeps its keys, dates, codes and figures whole at any width,
and loses no column: the rule of console.print_table, held for any content (issue 29,
item 11), and the only way the CLI prints a table."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from shopsight import console

SRC = Path(__file__).resolve().parents[1] / "src" / "shopsight"

words = st.one_of(
    st.dates().map(str),
    st.text("0123456789abcdef", min_size=8, max_size=32),  # ids and keys
    st.from_regex(r"landing/[a-z_]{3,12}/[a-z_]{3,12}/dt=2024-0[1-9]-[12][0-9]/part-0000\.csv",
                  fullmatch=True),
    st.from_regex(r"[a-z]{3,12}(_[a-z]{3,12}){0,3}", fullmatch=True),  # codes, names
)  # fmt: skip
figures = st.one_of(
    st.integers(-(10**12), 10**12),
    st.decimals(-(10**9), 10**9, places=2, allow_nan=False, allow_infinity=False),
)
sentences = st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), min_size=3, max_size=25).map(
    " ".join
)
column_kinds = st.lists(st.sampled_from(["word", "figure", "sentence"]), min_size=1, max_size=8)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[object]]]:
    kinds = draw(column_kinds)
    names = [f"{kind} {n}" for n, kind in enumerate(kinds)]
    cell = {"word": words, "figure": figures, "sentence": sentences}
    rows = draw(
        st.lists(st.tuples(*(cell[kind] for kind in kinds)).map(list), min_size=1, max_size=5)
    )
    return names, rows


def _shown(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | Decimal) else str(value)


@settings(max_examples=150, deadline=None)
@given(table=tables(), width=st.integers(40, 120))
def test_keys_dates_codes_and_figures_stay_whole_at_any_width(table, width) -> None:
    columns, rows = table
    text = io.StringIO()
    original = console.out
    console.out = Console(file=text, width=width, color_system=None)
    try:
        console.print_table("title", columns, rows)
    finally:
        console.out = original
    printed = text.getvalue()
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            shown = _shown(value)
            if column.startswith("sentence"):  # wraps: its words in order, whatever between
                tokens = iter(printed.split())
                assert all(word in tokens for word in shown.split()), shown
            else:
                assert shown in printed, (shown, width)
    for column in columns:  # no column dropped
        assert column.split()[0] in printed


def test_the_cli_prints_tables_only_through_print_table() -> None:
    """No command builds a rich table of its own, so the rule above holds for all."""
    builders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"from rich\.table import|rich\.table\.Table|\bTable\(", path.read_text())
        and path.name != "console.py"
        and "class Table(" not in path.read_text()
    ]
    assert builders == []
    printing = [p for p in (SRC / "cli").glob("*.py") if "print_table(" in p.read_text()]
    assert len(printing) >= 6  # status, quarantine, contracts, metrics, reconcile, build...
