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
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from shopsight.contracts.model import FileFormat, Table
from shopsight.failpoints import failpoint
from shopsight.ingest.layout import Layout
from shopsight.ingest.scratch import scratch_folder
from shopsight.ingest.validation import (
    fields_of,
    problem_struct,
    quoted,
    sql_literal,
    typed_and_checked,
    typed_row_holds,
    value_pattern,
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
    con.execute("drop table if exists _fast_unfit").fetchall()
    with scratch_folder() as folder:
        for layout, group in groups.items():
            for file in group:
                with open(os.path.join(folder, f"{file.index}.csv"), "wb") as out:
                    out.write(file.text)
            failpoint("ingest.fast_path_copied")
            paths = [os.path.join(folder, f"{file.index}.csv") for file in group]
            seen = _Seen(table, group)
            slots = [file.index for file in group]
            try:
                if _reads_typed(table, fmt, layout, extras, seen):
                    unproven = _read_typed_group(con, table, fmt, group, paths)
                    leftovers.update({index: None for index in unproven})
                else:
                    _read_group(con, table, fmt, layout, extras, paths, slots, seen)
                    _add_unfit(con, _trailing_delimiter_lines(group, fmt.header))
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
    con.execute("drop table if exists _fast_unfit").fetchall()
    return {i: sorted(lines) if lines is not None else None for i, lines in leftovers.items()}


# Errors in the SQL this module writes, never in the bytes it reads: they must surface.
_OUR_MISTAKES = (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException)


class _Seen:
    """What a group's bytes hold, looked for when first asked (each is a scan of every
    byte): checks that cannot fire without them are left out."""

    def __init__(self, table: Table, group: list[FileText]) -> None:
        self._table, self._group = table, group

    @cached_property
    def quotes(self) -> bool:
        return any(b'"' in file.text for file in self._group)

    @cached_property
    def nul(self) -> bool:
        return any(b"\0" in file.text for file in self._group)

    @cached_property
    def header(self) -> bool:
        return any(_header_line(self._table) in file.text for file in self._group)


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
                [{files}], columns = {columns}, delim = ',', {_reader_options(fmt)},
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


# What the typed reader reads each contract type as (the validator's casts give the same).
_READER_TYPES = {
    "int": "INTEGER",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "varchar": "VARCHAR",
}
# Bytes that may stand for "no delimiter" when a line is read whole.
_LINE_DELIMITERS = [chr(code) for code in range(1, 9)]


def _reads_typed(
    table: Table, fmt: FileFormat, layout: Layout, extras: list[str], seen: _Seen
) -> bool:
    """Whether a group may be read typed (:func:`_read_typed_group`): the contract's own
    columns in its order, a notation the reader's types cover (no null text, no time zone
    or suffix on timestamps), no stray header that could pass for data, and rules that read
    typed values only."""
    return (
        layout == Layout.declared(table)
        and not extras
        and fmt.null_text is None
        and not fmt.timestamp_with_offset
        and not fmt.timestamp_suffix
        and (fmt.header or _header_unfit(table, fmt) or not seen.header)
        and typed_row_holds(table) is not None
    )


def _header_unfit(table: Table, fmt: FileFormat) -> bool:
    """Whether the table's header line fails the row's notation (a typed column's pattern
    refuses its own name), so a stray header goes to the validator like any unfit line."""
    return any(
        not re.fullmatch(pattern, column.name)
        for column in table.columns
        if (pattern := value_pattern(column, fmt))
    )


def _read_typed_group(
    con: Any, table: Table, fmt: FileFormat, group: list[FileText], paths: list[str]
) -> set[int]:
    """Add a group's rows to ``_fast`` as the reader types them, and the lines the
    validator must see to ``_fast_unfit``; returns the files it could not prove (the
    validator reads them whole).

    The reader's types are lenient (an integer column takes ``1.5``, ``0x10``, `` 5``), so
    each line is first read whole and matched against the row's notation: every field as
    :func:`value_pattern` says, text without a comma, quote or NUL. A row loads from the
    typed read only if its line matched; a line that did not is the validator's. Each read
    proves its own count against the file's lines, as the text read does.
    """
    delimiter = next(
        (d for d in _LINE_DELIMITERS if not any(d.encode() in f.text for f in group)), None
    )
    if delimiter is None:
        return {file.index for file in group}
    files = ", ".join(sql_literal(path) for path in paths)
    options = _reader_options(fmt)
    fields = []
    for column in table.columns:
        pattern = value_pattern(column, fmt)
        field = f"(?:{pattern})" if pattern else r'[^,"\x00]*'
        fields.append(f"{field}?" if pattern and column.nullable else field)
    row = sql_literal(",".join(fields))
    con.execute(f"""
        create or replace temp table _fast_shape as
        select file_index as _file, coalesce(regexp_full_match(_line, {row}), false) as _fits
        from read_csv(
            [{files}], columns = {{'_line': 'VARCHAR'}}, delim = {sql_literal(delimiter)},
            {options}, rejects_table = '_shape_rejects', rejects_scan = '_shape_scans'
        )""").fetchall()
    try:
        unproven, unfit = _unfit_lines(con, fmt, group)
    finally:
        con.execute("drop table if exists _shape_rejects").fetchall()
        con.execute("drop table if exists _shape_scans").fetchall()
        con.execute("drop table if exists _fast_shape").fetchall()
    _add_unfit(con, unfit)
    columns = ", ".join(
        f"'{column.name}': '{_READER_TYPES.get(column.base_type, column.type.upper())}'"
        for column in table.columns
    )
    values = ", ".join(
        f"coalesce({column.name}, '') as {column.name}"
        if column.base_type == "varchar" and not column.nullable
        else column.name
        for column in table.columns
    )
    slots = ", ".join(str(int(file.index)) for file in group)
    into = "insert into _fast by name" if _exists(con, "_fast") else "create temp table _fast as"
    con.execute(f"""
        {into}
        with typed as (
            select file_index, {values}
            from read_csv(
                [{files}], columns = {{{columns}}}, delim = ',', {options},
                rejects_table = '_fast_rejects', rejects_scan = '_fast_scans'
            )
        )
        select
            [{slots}][(file_index + 1)::bigint] as _slot,
            not ({typed_row_holds(table)}) as _needs_validator,
            {", ".join(table.column_names)},
            null::struct(reason varchar, "column" varchar, message varchar) as problem,
            null::varchar as line
        from typed""").fetchall()
    return unproven


def _add_unfit(con: Any, unfit: tuple[list[int], list[int]]) -> None:
    """Add (file, line) pairs to ``_fast_unfit``: lines the validator must read even if
    the reader loaded them."""
    if not unfit[0]:
        return
    con.register("_unfit_arrow", pa.table({"_slot": unfit[0], "line": unfit[1]}))
    try:
        into = (
            "insert into _fast_unfit"
            if _exists(con, "_fast_unfit")
            else "create temp table _fast_unfit as"
        )
        con.execute(
            f"{into} select _slot::integer as _slot, line::bigint as line from _unfit_arrow"
        ).fetchall()
    finally:
        con.unregister("_unfit_arrow")


def _trailing_delimiter_lines(group: list[FileText], header: bool) -> tuple[list[int], list[int]]:
    """(file, line) of each data line ending with a comma. The reader drops an empty last
    field too many ("1,2,3," read as three fields, with quoting off and strict mode on);
    the validator counts it and rejects the line."""
    slots: list[int] = []
    lines: list[int] = []
    for file in group:
        if b",\n" not in file.text and not file.text.endswith(b","):
            continue
        data = np.frombuffer(file.text, dtype=np.uint8)
        newlines = np.flatnonzero(data == ord("\n"))
        ending = np.flatnonzero(data[newlines[newlines > 0] - 1] == ord(","))
        numbers = (ending + 1 + int(newlines.size and newlines[0] == 0)).tolist()
        if file.text.endswith(b","):
            numbers.append(newlines.size + 1)
        found = [n for n in numbers if n > int(header)]
        slots += [file.index] * len(found)
        lines += found
    return slots, lines


def _unfit_lines(
    con: Any, fmt: FileFormat, group: list[FileText]
) -> tuple[set[int], tuple[list[int], list[int]]]:
    """From ``_fast_shape`` (a group's lines read whole): the files whose read does not
    account for every line, and (file, line) of each line that did not match or that the
    reader rejected."""
    header = int(fmt.header)
    read = dict(con.execute("select _file, count(*) from _fast_shape group by 1").fetchall())
    rejected: dict[int, list[int]] = {}
    for file_id, line in con.execute(
        "select distinct file_id, line from _shape_rejects order by all"
    ).fetchall():
        rejected.setdefault(int(file_id), []).append(int(line))
    unproven = {
        file.index
        for position, file in enumerate(group)
        if read.get(position, 0) + len(rejected.get(position, [])) != file.data_lines
    }
    slots: list[int] = []
    lines: list[int] = []
    firsts = dict(con.execute("select _file, min(rowid) from _fast_shape group by 1").fetchall())
    by_file: dict[int, list[int]] = {}
    unfit = con.execute("select _file, rowid from _fast_shape where not _fits").fetchall()
    for position, row in unfit:
        by_file.setdefault(int(position), []).append(int(row) - int(firsts[position]))
    for position, file in enumerate(group):
        if file.index in unproven:
            continue
        skipped = rejected.get(position, [])
        numbers = np.asarray(by_file.get(position, []), dtype=np.int64)
        if skipped:  # the k-th row read is the k-th line the reader did not reject
            numbers = _kept_lines(file.data_lines, header, skipped)[numbers]
        else:
            numbers = numbers + 1 + header
        found = sorted({*numbers.tolist(), *skipped})
        slots += [file.index] * len(found)
        lines += found
    return unproven, (slots, lines)


def _kept_lines(data_lines: int, header: int, rejected: list[int]) -> np.ndarray:
    """A file's data line numbers without the ``rejected`` ones, in order (a mask, not a
    set difference: that sorted or hashed every line of every file with a reject)."""
    kept = np.ones(data_lines, dtype=bool)
    offsets = np.asarray(rejected, dtype=np.int64) - header - 1
    kept[offsets[(offsets >= 0) & (offsets < data_lines)]] = False
    return np.flatnonzero(kept) + header + 1


def _reader_options(fmt: FileFormat) -> str:
    """The reader's options, every one explicit (no sniffer): quoting off, so a record is
    exactly one line; strict, so a line of too many or too few fields is its reject."""
    return (
        f"header = false, skip = {int(fmt.header)}, auto_detect = false, quote = '', "
        "escape = '', new_line = '\\n', strict_mode = true, null_padding = false, "
        "store_rejects = true"
    )


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
    number; returns (file, line) of those that do (``_needs_validator``, or a line in
    ``_fast_unfit``).

    A file's rows are consecutive in ``_fast`` (insertion order is kept), so its o-th
    loaded row is its o-th line that the reader did not reject. Where no line was
    rejected or found unfit that is arithmetic on the row id; otherwise each row's line
    number and unfitness come from a column made with NumPy beside ``_fast``, row beside
    row (a join of every row with the unfit lines cost as much as the rest of this).
    """
    header = int(fmt.header)
    if not _exists(con, "_fast"):
        return []
    firsts = dict(con.execute("select _slot, min(rowid) from _fast group by _slot").fetchall())
    if not firsts:
        return []
    unfit = _unfit_by_file(con)
    if not unfit and not any(rejected.get(slot) for slot in firsts):
        starts = ", ".join(str(firsts.get(slot, 0)) for slot in range(max(firsts) + 1))
        source = "_fast as f"
        line_number = f"f.rowid - [{starts}][(f._slot + 1)::bigint] + 1 + {header}"
        needs_validator = "f._needs_validator"
    else:  # the lines left after the rejected ones, in the table's order, row beside row
        by_index = {file.index: file for file in files}
        order = sorted(firsts, key=lambda slot: firsts[slot])
        numbers = [
            _kept_lines(by_index[slot].data_lines, header, rejected.get(slot, [])) for slot in order
        ]
        unfits = [
            np.isin(kept, unfit[slot]) if slot in unfit else np.zeros(len(kept), dtype=bool)
            for slot, kept in zip(order, numbers, strict=True)
        ]
        con.register(
            "_fast_lines",
            pa.table({"line_number": np.concatenate(numbers), "unfit": np.concatenate(unfits)}),
        )
        source = "_fast as f positional join _fast_lines as l"
        line_number = "l.line_number"
        needs_validator = "f._needs_validator or l.unfit"
    columns = table.column_names + [quoted(name) for name in extras]
    numbered = f"""
        select
            f._slot::integer as file_index,
            ({line_number})::bigint as line_number,
            f.line,
            {", ".join(f"f.{column}" for column in columns)},
            f.problem,
            {needs_validator} as _needs_validator
        from {source}"""
    try:
        con.execute(f"""
            create temp table _checked as
            select * exclude (_needs_validator) from ({numbered})
            where not _needs_validator""").fetchall()
        return con.execute(
            f"select file_index, line_number from ({numbered}) where _needs_validator"
        ).fetchall()
    finally:
        if "_fast_lines" in source:
            con.unregister("_fast_lines")


def _unfit_by_file(con: Any) -> dict[int, np.ndarray]:
    """The lines of each file that the validator must read whatever the reader made of
    them (``_fast_unfit``)."""
    if not _exists(con, "_fast_unfit"):
        return {}
    pairs = con.execute("select _slot, line from _fast_unfit").fetchnumpy()
    slots, lines = pairs["_slot"], pairs["line"]
    return {int(slot): lines[slots == slot] for slot in np.unique(slots)}
