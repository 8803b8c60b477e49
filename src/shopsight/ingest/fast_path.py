"""The fast path: DuckDB's own CSV reader splits what it can prove; the validator the rest.

The line validator (validation.py) splits every line with SQL string functions. DuckDB's CSV
reader splits far faster, but is lenient where the contract is strict (it trims a space
before a quote, reads ``""`` as null, skips empty lines, lets a quote swallow lines). So it
runs with quoting off, every column as text, and explicit options (no sniffer), and its
result counts only where it is provably the validator's:

- a file holding ``\\r`` (a lone one would end a record) is not read here at all;
- with quoting off a record is exactly one line, so a file is proven when its loaded plus
  rejected records equal its data lines (counted as the validator counts them); any other
  file goes to the validator whole;
- loaded rows are numbered by their order (insertion order is kept) shifted past the
  rejected lines before them, and typed and checked by the validator's own SQL
  (:func:`typed_and_checked`): same values, reasons and messages;
- the lines the reader rejected, and the loaded rows holding a quote character (a quoted
  field, or a quote where none belongs), are validated line by line from the file's text.

Measured reason and figures: docs/decisions/0021-the-fast-path-proves-or-defers.md.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from shopsight.contracts.model import FileFormat, Table
from shopsight.ingest.layout import Layout
from shopsight.ingest.validation import (
    fields_of,
    problem_struct,
    quoted,
    sql_literal,
    typed_and_checked,
)

# Per file: the line numbers the validator must read, or None for all of them.
Leftovers = dict[int, list[int] | None]


@dataclass(frozen=True)
class FileText:
    """A landed CSV file's text (decompressed, without a byte-order mark) in a batch."""

    index: int
    text: bytes
    layout: Layout
    data_lines: int  # lines after the header, as split_lines counts them


def data_line_count(text: bytes, header: bool) -> int:
    """How many lines split_lines finds in ``text`` (a final newline ends the last line),
    less the header."""
    lines = text.count(b"\n") + (0 if not text or text.endswith(b"\n") else 1)
    return max(lines - (1 if header else 0), 0)


def can_read_fast(fmt: FileFormat, text: bytes, data_lines: int) -> bool:
    """Whether the reader may try this file: CSV split by commas, some data, no ``\\r``."""
    return fmt.kind == "csv" and fmt.delimiter == "," and data_lines > 0 and b"\r" not in text


def check_fast(
    con: Any, table: Table, fmt: FileFormat, files: list[FileText], extras: list[str]
) -> Leftovers:
    """Read ``files`` with DuckDB's reader into temp table ``_checked`` (the validator's
    shape; see the module docstring). Returns, per file, what the validator still has to
    read; files absent from the answer are done."""
    leftovers: Leftovers = {}
    rejected: dict[int, list[int]] = {}
    groups: dict[Layout, list[FileText]] = {}
    for file in files:
        groups.setdefault(file.layout, []).append(file)
    con.execute("drop table if exists _fast").fetchall()
    with tempfile.TemporaryDirectory(prefix="shopsight-fast-") as folder:
        for layout, group in groups.items():
            for file in group:
                with open(os.path.join(folder, f"{file.index}.csv"), "wb") as out:
                    out.write(file.text)
            paths = [os.path.join(folder, f"{file.index}.csv") for file in group]
            seen = _Seen(
                quotes=any(b'"' in file.text for file in group),
                nul=any(b"\0" in file.text for file in group),
                header=any(_header_line(table) in file.text for file in group),
            )
            slots = [file.index for file in group]
            try:
                _read_group(con, table, fmt, layout, extras, paths, slots, seen)
                for file_id, line in con.execute(
                    "select distinct file_id, line from _fast_rejects order by all"
                ).fetchall():
                    rejected.setdefault(group[file_id].index, []).append(int(line))
            except _OUR_MISTAKES:
                raise
            except duckdb.Error:
                # The reader gave up on these bytes (its state machine, a line past its
                # size limit): the validator reads them instead.
                leftovers.update({file.index: None for file in group})
            finally:
                con.execute("drop table if exists _fast_rejects").fetchall()
                con.execute("drop table if exists _fast_scans").fetchall()
    proven = _prove_counts(con, files, leftovers, rejected)
    needing_validator = _number_rows(con, table, fmt, extras, files, rejected)
    for index, lines in rejected.items():
        if index in proven:
            leftovers[index] = lines
    for index, line in needing_validator:
        leftovers.setdefault(index, []).append(int(line))  # type: ignore[union-attr]
    con.execute("drop table if exists _fast").fetchall()
    return {i: sorted(lines) if lines is not None else None for i, lines in leftovers.items()}


# Errors in the SQL this module writes, never in the bytes it reads: they must surface.
_OUR_MISTAKES = (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException)


@dataclass(frozen=True)
class _Seen:
    """What a group's bytes hold: checks that cannot fire without them are left out."""

    quotes: bool
    nul: bool
    header: bool


def _header_line(table: Table) -> bytes:
    """A headerless file's stray header, as the validator recognises it (a whole line)."""
    return ",".join(table.column_names).encode()


def _read_group(
    con: Any,
    table: Table,
    fmt: FileFormat,
    layout: Layout,
    extras: list[str],
    paths: list[str],
    slots: list[int],
    seen: _Seen,
) -> None:
    """Add the files of one layout to ``_fast``: typed, checked, in file and line order."""
    n = layout.width
    raw = [f"_r{i}" for i in range(1, n + 1)]
    columns = "{" + ", ".join(f"'_c{i}': 'VARCHAR'" for i in range(1, n + 1)) + "}"
    texts = ", ".join(f"coalesce(_c{i}, '') as _r{i}" for i in range(1, n + 1))
    fields = []
    for column, name, position in zip(
        table.columns, fields_of(table), layout.positions, strict=True
    ):
        value = raw[position - 1] if position else "''"
        if column.nullable and fmt.null_text and position:
            value = f"case when {value} = {sql_literal(fmt.null_text)} then '' else {value} end"
        fields.append(f"{value} as {name}")
    empty = [sql_literal("")] + ([sql_literal(fmt.null_text)] if fmt.null_text else [])
    positions = dict(layout.extras)
    extra_columns = [
        f"case when {raw[positions[name] - 1]} in ({', '.join(empty)}) then null "
        f"else {raw[positions[name] - 1]} end as {quoted(name)}"
        if name in positions
        else f"null::varchar as {quoted(name)}"
        for name in extras
    ]
    # The validator's check of a headerless file's stray header compares the whole line; a
    # row loaded here has exactly the declared fields and no quote, so field by field.
    structure = []
    if not fmt.header and seen.header:
        same = " and ".join(
            f"{r} = {sql_literal(c)}" for r, c in zip(raw, table.column_names, strict=True)
        )
        structure.append(
            f"when {same} then "
            + problem_struct(
                "unexpected_header",
                None,
                "'expected data, found a header line in a headerless file'",
            )
        )
    typed, problem = typed_and_checked(table, fmt, structure, nul_possible=seen.nul)
    needs_validator = f"contains(concat({', '.join(raw)}), '\"')" if seen.quotes else "false"
    files = ", ".join(sql_literal(path) for path in paths)
    slots_list = ", ".join(str(int(slot)) for slot in slots)
    into = "insert into _fast by name" if _exists(con, "_fast") else "create temp table _fast as"
    con.execute(f"""
        {into}
        with raw as (
            select file_index as _slot, {texts}
            from read_csv(
                [{files}], columns = {columns}, header = false, skip = {int(fmt.header)},
                auto_detect = false, delim = ',', quote = '', escape = '', new_line = '\\n',
                strict_mode = true, null_padding = false, store_rejects = true,
                rejects_table = '_fast_rejects', rejects_scan = '_fast_scans'
            )
        ),
        fielded as (select *, false as invalid_utf8, {", ".join(fields)} from raw),
        typed as (select *, {", ".join(typed)} from fielded),
        checked as (
            select *, {", ".join(extra_columns) + ", " if extra_columns else ""}
                {problem} as problem
            from typed
        )
        select
            [{slots_list}][(_slot + 1)::bigint] as _slot,
            {needs_validator} as _needs_validator,
            {", ".join(table.column_names + [quoted(name) for name in extras])},
            problem,
            null::varchar as line
        from checked""").fetchall()


def _exists(con: Any, name: str) -> bool:
    return bool(
        con.execute(
            f"select count(*) from duckdb_tables() where temporary and table_name = '{name}'"
        ).fetchall()[0][0]
    )


def _prove_counts(
    con: Any, files: list[FileText], leftovers: Leftovers, rejected: dict[int, list[int]]
) -> set[int]:
    """The files whose loaded plus rejected records equal their data lines; the others'
    rows leave ``_fast`` and the validator reads them whole."""
    loaded = dict(
        con.execute("select _slot, count(*) from _fast group by _slot").fetchall()
        if _exists(con, "_fast")
        else []
    )
    proven = set()
    for file in files:
        if file.index in leftovers:
            continue
        if loaded.get(file.index, 0) + len(rejected.get(file.index, [])) == file.data_lines:
            proven.add(file.index)
        else:
            leftovers[file.index] = None
    unproven = [file.index for file in files if file.index not in proven]
    if unproven and _exists(con, "_fast"):
        con.execute(f"delete from _fast where _slot in ({', '.join(map(str, unproven))})")
    return proven


def _number_rows(
    con: Any,
    table: Table,
    fmt: FileFormat,
    extras: list[str],
    files: list[FileText],
    rejected: dict[int, list[int]],
) -> list[tuple[int, int]]:
    """Put the loaded rows that need no second look into ``_checked``, each with its line
    number; returns (file, line) of those that do (``_needs_validator``).

    A file's rows are consecutive in ``_fast`` (insertion order is kept), so its o-th
    loaded row is its o-th line that the reader did not reject.
    """
    header = int(fmt.header)
    if not _exists(con, "_fast"):
        return []
    firsts = dict(con.execute("select _slot, min(rowid) from _fast group by _slot").fetchall())
    if not firsts:
        return []
    if not any(rejected.get(slot) for slot in firsts):
        starts = ", ".join(str(firsts.get(slot, 0)) for slot in range(max(firsts) + 1))
        source = "_fast as f"
        line_number = f"f.rowid - [{starts}][(f._slot + 1)::bigint] + 1 + {header}"
    else:  # the lines left after the rejected ones, in the table's order, row beside row
        by_index = {file.index: file for file in files}
        numbers = [
            np.setdiff1d(
                np.arange(header + 1, header + by_index[slot].data_lines + 1),
                np.asarray(rejected.get(slot, []), dtype=np.int64),
            )
            for slot in sorted(firsts, key=lambda slot: firsts[slot])
        ]
        con.register("_fast_lines", pa.table({"line_number": np.concatenate(numbers)}))
        source = "_fast as f positional join _fast_lines as l"
        line_number = "l.line_number"
    columns = table.column_names + [quoted(name) for name in extras]
    try:
        con.execute(f"""
            create temp table _checked as
            select
                f._slot::integer as file_index,
                ({line_number})::bigint as line_number,
                f.line,
                {", ".join(f"f.{column}" for column in columns)},
                f.problem
            from {source}
            where not f._needs_validator""").fetchall()
        return con.execute(
            f"select f._slot, ({line_number})::bigint from {source} where f._needs_validator"
        ).fetchall()
    finally:
        if "_fast_lines" in source:
            con.unregister("_fast_lines")
