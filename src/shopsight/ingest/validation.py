"""The row validator: SQL generated from a contract, run in DuckDB over a file's lines.

Every line comes out exactly once, either typed (``problem`` is null) or with the first
problem found: a reason code, the column, and a message saying what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shopsight.contracts.model import Column, Contract, FileFormat, Table
from shopsight.ingest.layout import Layout

# A field is either quoted (quotes inside doubled) or free of quotes and delimiters.
_FIELD = '("(?:[^"]|"")*"|[^,"]*)'
_ROW = f"{_FIELD}(?:,{_FIELD})*"


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def problem_struct(reason: str, column: str | None, message_sql: str) -> str:
    column_sql = sql_literal(column) if column else "null::varchar"
    return f"{{'reason': {sql_literal(reason)}, 'column': {column_sql}, 'message': {message_sql}}}"


def _found(field: str) -> str:
    return f"'found ''' || replace(left({field}, 60), chr(0), '\\x00') || ''''"


# The source's own notation for numbers: decimal digits with an optional sign (and, for a
# float, a point and an exponent). DuckDB's casts alone also take 0x1, 0b101 and 1_000.
_INTEGER = r"[+-]?[0-9]+"
_FLOAT = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"


def value_pattern(column: Column, fmt: FileFormat) -> str | None:
    """The regular expression a non-empty field of ``column`` must match in full to be
    typed (None for text, which takes any field): the source's own notation."""
    if column.base_type == "int":
        return _INTEGER
    if column.base_type == "decimal":
        return rf"-?[0-9]+(\.[0-9]{{1,{column.scale}}})?"
    if column.base_type == "float":
        return _FLOAT
    if column.base_type == "bool":
        return "true|false"
    if column.base_type == "timestamp":
        return fmt.timestamp_pattern
    return None


def _typed(column: Column, field: str, fmt: FileFormat) -> str:
    pattern = sql_literal(value_pattern(column, fmt) or "")
    if column.base_type == "int":
        cast = f"try_cast({field} as integer)"
        return f"case when regexp_full_match({field}, {pattern}) then {cast} end"
    if column.base_type == "decimal":
        cast = f"try_cast({field} as {column.type})"
        return f"case when regexp_full_match({field}, {pattern}) then {cast} end"
    if column.base_type == "bool":
        return f"case {field} when 'true' then true when 'false' then false end"
    if column.base_type == "float":
        cast = f"try_cast({field} as double)"
        return f"case when regexp_full_match({field}, {pattern}) then {cast} end"
    if column.base_type == "timestamp" and fmt.timestamp_with_offset:
        utc = f"timezone('UTC', try_cast({field} as timestamptz))"
        return f"case when regexp_full_match({field}, {pattern}) then {utc} end"
    if column.base_type == "timestamp":
        text = (
            f"replace({field}, {sql_literal(fmt.timestamp_suffix)}, '')"
            if (fmt.timestamp_suffix)
            else field
        )
        return (
            f"case when regexp_full_match({field}, {pattern}) "
            f"then try_cast({text} as timestamp) end"
        )
    return f"nullif({field}, '')" if column.nullable else field


def _column_checks(
    column: Column, field: str, value: str, fmt: FileFormat, nul_possible: bool = True
) -> list[str]:
    """CASE branches for one column, in the order they are reported (without the NUL check
    when the caller knows the text holds no NUL byte)."""
    name = column.name
    checks = [
        f"when {'contains(' + field + ', chr(0))' if nul_possible else 'false'} then "
        + problem_struct(
            "nul_character",
            name,
            f"'{name}: expected text without NUL characters (PostgreSQL cannot store them), "
            f"found one at character ' || strpos({field}, chr(0))",
        )
    ]
    if column.base_type != "varchar" and not column.nullable:
        checks.append(
            f"when {field} = '' then "
            + problem_struct(
                "missing_value", name, f"'{name}: expected a value, found an empty field'"
            )
        )
    expected = {
        "int": "an integer",
        "float": "a finite number",
        "decimal": f"a number with at most {column.scale} decimals",
        "bool": "true or false",
        "timestamp": f"a timestamp like {fmt.timestamp_example}",
    }
    reasons = {
        "int": "invalid_integer",
        "float": "invalid_number",
        "decimal": "invalid_decimal",
        "bool": "invalid_boolean",
        "timestamp": "invalid_timestamp",
    }
    if column.base_type in expected:
        invalid = f"{field} <> '' and ({value} is null" + (
            f" or not isfinite({value}))" if column.base_type == "float" else ")"
        )
        checks.append(
            f"when {invalid} then "
            + problem_struct(
                reasons[column.base_type],
                name,
                f"'{name}: expected {expected[column.base_type]}, ' || {_found(field)}",
            )
        )
    if column.max_length:
        checks.append(
            f"when length({field}) > {column.max_length} then "
            + problem_struct(
                "too_long",
                name,
                f"'{name}: expected at most {column.max_length} characters, "
                f"found ' || length({field})",
            )
        )
    if column.rules.severity == "reject":
        checks += [
            f"when not ({condition}) then {problem}"
            for condition, problem in _rule_checks(column, field, value)
        ]
    return checks


def _rule_checks(column: Column, field: str, value: str) -> list[tuple[str, str]]:
    """(condition that holds for a good value, problem struct) per rule of the column."""
    name, rules = column.name, column.rules
    text = f"nullif({field}, '')" if column.nullable else field
    found = _found(field)
    checks = []
    bounds = [
        (rules.min, ">=", "at least"),
        (rules.min_exclusive, ">", "more than"),
        (rules.max, "<=", "at most"),
    ]
    for bound, operator, words in bounds:
        if bound is not None:
            message = f"'{name}: expected {words} {bound:g}, ' || {found}"
            checks.append(
                (f"{value} {operator} {bound}", problem_struct("out_of_range", name, message))
            )
    if rules.accepted_values:
        values = ", ".join(sql_literal(v) for v in rules.accepted_values)
        listed = ", ".join(rules.accepted_values)
        message = f"'{name}: expected one of {listed}, ' || {found}"
        checks.append(
            (f"{text} in ({values})", problem_struct("not_accepted_value", name, message))
        )
    if rules.pattern:
        message = f"'{name}: expected to match {rules.pattern}, ' || {found}"
        checks.append(
            (
                f"regexp_full_match({text}, {sql_literal(rules.pattern)})",
                problem_struct("pattern_mismatch", name, message),
            )
        )
    return checks


def typed_row_holds(table: Table) -> str | None:
    """SQL over a row's typed values (named as the contract names its columns) that holds
    when no check after the notation's would reject the row: lengths, finite numbers,
    ``reject`` rules and row rules. For rows whose every field has the source's notation
    (:func:`value_pattern`), it is the validator's verdict "valid"; a row where it does not
    hold goes to the validator, whose message quotes each field as written.

    None when a rule of a typed column reads the field's text (``accepted_values`` or
    ``pattern`` on a number): its typed value's text may differ from the field's.
    """
    conditions = []
    for column in table.columns:
        name, rules = column.name, column.rules
        if column.base_type != "varchar" and (rules.accepted_values or rules.pattern):
            return None
        if column.max_length:
            conditions.append(f"coalesce(length({name}) <= {column.max_length}, true)")
        if column.base_type == "float":
            conditions.append(f"coalesce(isfinite({name}), true)")
        if rules.severity == "reject":
            conditions += [
                f"coalesce({condition}, true)"
                for condition, _ in _rule_checks(column, f"cast({name} as varchar)", name)
            ]
    for rule in table.row_rules:
        if rule.severity == "reject":
            conditions.append(f"coalesce({rule.holds_when}, true)")
    return " and ".join(conditions) or "true"


def warning_sql(table: Table, checked: str = "_checked") -> str | None:
    """SQL over the validated rows (``checked``): one row per broken ``warn`` rule of a row
    that loads (``file_index``, ``line_number``, ``row_key``: its primary key as text, values
    joined by ``|``, and ``problem``), or None without such rules.

    Over typed values: a text value is compared as it will be stored.
    """
    branches = []
    for column in table.columns:
        if column.rules.severity != "warn":
            continue
        shown = f"cast({column.name} as varchar)"
        for condition, problem in _rule_checks(column, shown, column.name):
            branches.append((condition, problem))
    for rule in table.row_rules:
        if rule.severity == "warn":
            branches.append(
                (rule.holds_when, problem_struct(rule.reason, None, sql_literal(rule.message)))
            )
    if not branches:
        return None
    key = f"concat_ws('|', {', '.join(table.primary_key)})"
    return "\nunion all\n".join(
        f"select file_index, line_number, {key} as row_key, {problem} as problem "
        f"from {checked} "
        f"where problem is null and not coalesce({condition}, true)"
        for condition, problem in branches
    )


def validation_sql(
    table: Table,
    fmt: FileFormat,
    lines: str,
    layout: Layout | None = None,
    extras: list[str] | None = None,
) -> str:
    """SQL over relation ``lines`` (file_index, line_number, line_with_newline, invalid_utf8).

    ``layout`` says where a CSV file's fields sit (default: the contract's order);
    ``extras`` are the undeclared columns to emit as text, in the landing table's order
    (null where this layout lacks them).

    Returns one row per line: ``file_index``, ``line_number``, ``line``, every contract column
    typed, the extras, and ``problem`` (a struct of reason, column, message; null for a
    valid row). Rules of severity ``warn`` are not checked here (see :func:`warning_sql`).
    """
    layout = layout or Layout.declared(table)
    shape, structure = (
        _json_fields(table, fields_of(table))
        if fmt.kind == "jsonl"
        else _csv_fields(table, fmt, layout)
    )
    typed, problem = typed_and_checked(table, fmt, structure)
    positions = dict(layout.extras)
    extra_columns = [
        f"_extra_fields[{positions[name]}] as {quoted(name)}"
        if name in positions
        else f"null::varchar as {quoted(name)}"
        for name in extras or []
    ]
    # Undeclared columns' text, emptied once per line as a list: one expression per column
    # of its own made DuckDB's planning grow with the square of the width (1,000 columns:
    # 5.5 s for 200 lines; a list element each: linear).
    extra_fields = f", {_extra_values(fmt)} as _extra_fields" if positions else ""
    return f"""
with raw as (
    select
        file_index,
        line_number,
        rtrim(line_with_newline, chr(13) || chr(10)) as line,
        invalid_utf8
    from {lines}
),
{shape},
typed as (
    select *, {", ".join(typed)}{extra_fields}
    from fielded
)
select
    file_index, line_number, line, {", ".join(table.column_names + extra_columns)},
    {problem} as problem
from typed
"""


def fields_of(table: Table) -> list[str]:
    """The names a line's fields have before they are typed: ``_field_1``, ..."""
    return [f"_field_{i + 1}" for i in range(len(table.columns))]


def typed_and_checked(
    table: Table, fmt: FileFormat, structure: list[str], nul_possible: bool = True
) -> tuple[list[str], str]:
    """Over a relation of text fields (:func:`fields_of`) and ``invalid_utf8``: each contract
    column typed (``<expr> as <name>``), and the CASE giving a row's first problem, checks of
    its ``structure`` first (null for a valid row)."""
    typed = [
        f"{_typed(c, f, fmt)} as {c.name}"
        for c, f in zip(table.columns, fields_of(table), strict=True)
    ]
    checks = [
        "when invalid_utf8 then "
        + problem_struct("invalid_utf8", None, "'expected UTF-8 text, found invalid bytes'"),
        *structure,
    ]
    for column, text in zip(table.columns, fields_of(table), strict=True):
        checks += _column_checks(column, text, column.name, fmt, nul_possible)
    for rule in table.row_rules:
        if rule.severity != "reject":
            continue
        checks.append(
            f"when not ({rule.holds_when}) then "
            + problem_struct(rule.reason, None, sql_literal(rule.message))
        )
    return typed, "case\n        " + "\n        ".join(checks) + "\n    end"


def quoted(name: str) -> str:
    """An undeclared column's identifier (its name is lower-case letters, digits and ``_``,
    but may be a SQL keyword)."""
    return f'"{name}"'


def _extra_values(fmt: FileFormat) -> str:
    """A line's fields with an empty one (or the source's null text) as null: the
    undeclared columns' values, by position."""
    empty = [sql_literal("")] + ([sql_literal(fmt.null_text)] if fmt.null_text else [])
    emptied = f"case when f in ({', '.join(empty)}) then null else f end"
    return f"list_transform(fields, lambda f: {emptied})"


def _csv_fields(table: Table, fmt: FileFormat, layout: Layout) -> tuple[str, list[str]]:
    """CTEs ``split``/``fielded`` for a CSV line, and the checks of its structure."""
    n = layout.width
    header = sql_literal(fmt.delimiter.join(table.column_names))
    structure = [
        "when not well_quoted and (length(line) - length(replace(line, '\"', ''))) % 2 = 1 then "
        + problem_struct(
            "unterminated_quote", None, "'expected a closing quote before the end of the line'"
        ),
        "when not well_quoted then "
        + problem_struct("bad_quote", None, "'expected quotes only around a whole field'"),
        # A headerless file's stray header (files with a header have it checked, and
        # removed, before validation).
        f"when {'false' if fmt.header else 'line = ' + header} then "
        + problem_struct(
            "unexpected_header", None, "'expected data, found a header line in a headerless file'"
        ),
        f"when n_fields > {n} then "
        + problem_struct("too_many_fields", None, f"'expected {n} fields, found ' || n_fields"),
        f"when n_fields < {n} then "
        + problem_struct("too_few_fields", None, f"'expected {n} fields, found ' || n_fields"),
    ]
    selected = []
    for i, (column, position) in enumerate(zip(table.columns, layout.positions, strict=True)):
        value = f"fields[{position}]" if position else "''"
        if column.nullable and fmt.null_text and position:
            value = f"case when {value} = {sql_literal(fmt.null_text)} then '' else {value} end"
        selected.append(f"{value} as _field_{i + 1}")
    shape = f"""split as (
    select
        *,
        not contains(line, '"') or regexp_full_match(line, {sql_literal(_ROW)}) as well_quoted,
        case when contains(line, '"')
            then list_transform(
                regexp_extract_all(line, {sql_literal("(?:^|,)" + _FIELD)}, 1),
                lambda f: case when starts_with(f, '"') then replace(f[2:-2], '""', '"') else f end
            )
            else string_split(line, ',') end as fields
    from raw
),
fielded as (
    select
        file_index, line_number, line, invalid_utf8, well_quoted, len(fields) as n_fields,
        fields, {", ".join(selected)}
    from split
)"""
    return shape, structure


# The JSON value kinds each column type accepts (DuckDB's json_type names).
_JSON_KINDS = {
    "int": ("BIGINT", "UBIGINT"),
    "float": ("BIGINT", "UBIGINT", "DOUBLE"),
    "decimal": ("BIGINT", "UBIGINT", "DOUBLE"),
    "bool": ("BOOLEAN",),
    "timestamp": ("VARCHAR",),
    "varchar": ("VARCHAR",),
}
_JSON_KIND_WORDS = {
    "int": "an integer",
    "float": "a number",
    "decimal": "a number",
    "bool": "true or false",
    "timestamp": "a string",
    "varchar": "a string",
}


_JSON_FOUND = (
    "case {kind} when 'VARCHAR' then 'a string' when 'BOOLEAN' then 'true or false' "
    "when 'ARRAY' then 'a list' when 'OBJECT' then 'an object' else 'a number' end"
)


def _json_fields(table: Table, fields: list[str]) -> tuple[str, list[str]]:
    """CTE ``fielded`` for a JSON-lines record (an object, fields by name), and its checks.

    A number's text is its token as written, not DuckDB's double, so a decimal keeps every
    digit; JSON null counts as an empty field.
    """
    # json_* functions raise on malformed text and a CASE does not shield them: they read
    # ``doc``, an empty object in place of a line that is not one.
    structure = [
        "when not is_object then "
        + problem_struct("invalid_json", None, "'expected a JSON object, found ' || left(line, 60)")
    ]
    extracted = []
    for column, text in zip(table.columns, fields, strict=True):
        path = sql_literal(column.path or f'$."{column.name}"')
        kind = f"json_type(doc, {path})"
        accepted = _JSON_KINDS[column.base_type]
        if column.path and column.base_type == "varchar":
            accepted = (*accepted, "OBJECT", "ARRAY")  # kept as JSON text
        kinds = ", ".join(sql_literal(k) for k in accepted)
        structure.append(
            f"when {kind} not in ('NULL', {kinds}) then "
            + problem_struct(
                "wrong_json_type",
                column.name,
                f"'{column.name}: expected {_JSON_KIND_WORDS[column.base_type]}, found ' "
                f"|| {_JSON_FOUND.format(kind=kind)}",
            )
        )
        value = f"json_extract_string(doc, {path})"
        if column.base_type in ("float", "decimal", "int") and column.path is None:
            token = sql_literal(f'"{column.name}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)')
            value = f"coalesce(nullif(regexp_extract(line, {token}, 1), ''), {value})"
        extracted.append(f"coalesce({value}, '') as {text}")
    shape = f"""parsed as (
    select *, case when json_valid(line) then line else 'null' end as parsed from raw
),
documents as (
    select *, coalesce(json_type(parsed) = 'OBJECT', false) as is_object from parsed
),
objects as (
    select *, case when is_object then parsed else '{{}}' end as doc from documents
),
fielded as (
    select file_index, line_number, line, doc, is_object, invalid_utf8,
        {(", " + chr(10) + "        ").join(extracted)}
    from objects
)"""
    return shape, structure


def check_lines(
    con: Any,
    contract: Contract,
    table: Table,
    lines: pa.Table,
    layouts: dict[int, Layout] | None = None,
    extras: list[str] | None = None,
) -> bool:
    """Validate a batch of files' lines into temp table ``_checked`` (DuckDB connection),
    and the warnings of its valid rows into ``_warnings``.

    ``layouts`` maps a file index to its layout (default: the contract's order); files of
    one layout are validated together. ``extras`` as :func:`validation_sql`.

    Returns whether some key occurs twice in one file (then exact repeats are possible).
    """
    con.execute("drop table if exists _checked").fetchall()
    validate_lines(con, contract, table, lines, layouts, extras)
    return finish_checks(con, table).in_file


def validate_lines(
    con: Any,
    contract: Contract,
    table: Table,
    lines: pa.Table,
    layouts: dict[int, Layout] | None = None,
    extras: list[str] | None = None,
) -> None:
    """Validate lines (arguments as :func:`check_lines`) into ``_checked``: created when
    absent, else added to by column name."""
    groups: dict[Layout, list[int]] = {}
    for index in pc.unique(lines.column("file_index")).to_pylist():
        layout = (layouts or {}).get(index) or Layout.declared(table)
        groups.setdefault(layout, []).append(index)
    groups = groups or {Layout.declared(table): []}  # no lines at all
    exists = bool(
        con.execute(
            "select count(*) from duckdb_tables() where temporary and table_name = '_checked'"
        ).fetchall()[0][0]
    )
    for layout, indexes in groups.items():
        part = (
            lines
            if len(groups) == 1
            else lines.filter(pc.is_in(lines.column("file_index"), pa.array(indexes, pa.int32())))
        )
        sql = validation_sql(table, contract.format, "_lines", layout, extras)
        con.register("_lines", part)
        try:
            into = "insert into _checked by name" if exists else "create temp table _checked as"
            con.execute(f"{into} {sql}").fetchall()
            exists = True
        finally:
            con.unregister("_lines")


@dataclass(frozen=True)
class KeyRepeats:
    """Whether the valid rows of a checked batch repeat a primary key: within one file
    (then exact repeats are possible), or anywhere in the batch."""

    in_file: bool
    in_batch: bool


def finish_checks(con: Any, table: Table) -> KeyRepeats:
    """Reject conflicting repeats of a key within a file, and list the warnings of the valid
    rows of ``_checked`` in ``_warnings``; says where keys repeat. A batch whose keys are
    all distinct (a day of new order lines) is counted once."""
    keys = ", ".join(table.primary_key)
    distinct = keys if len(table.primary_key) == 1 else f"row({keys})"
    in_batch = con.execute(
        f"select count(*) - count(distinct {distinct}) from _checked where problem is null"
    ).fetchall()[0][0]
    repeated = (
        con.execute(
            f"select count(*) - count(distinct row(file_index, {keys})) "
            "from _checked where problem is null"
        ).fetchall()[0][0]
        if in_batch
        else 0
    )
    if repeated:
        _reject_conflicting_keys(con, table)
    warnings = warning_sql(table)
    con.execute(
        f"create or replace temp table _warnings as {warnings}"
        if warnings
        else "create or replace temp table _warnings as select file_index, line_number, "
        "'' as row_key, problem from _checked where false"
    ).fetchall()
    return KeyRepeats(in_file=bool(repeated), in_batch=bool(in_batch))


def _reject_conflicting_keys(con: Any, table: Table) -> None:
    """Rows of one file that share a key but differ: no way to tell which one is right."""
    keys = ", ".join(table.primary_key)
    row = ", ".join(table.content_columns)
    same_key = " and ".join(f"_checked.{k} = conflicts.{k}" for k in table.primary_key)
    con.execute(f"""
        update _checked set problem = {{
            'reason': 'duplicate_key', 'column': '{table.primary_key[0]}',
            'message': '{keys} ' || conflicts.key_text || ' appears on lines '
                || conflicts.line_list || ' with different values'}}
        from (
            select file_index, {keys}, concat_ws(',', {keys}) as key_text,
                string_agg(line_number::varchar, ', ' order by line_number) as line_list
            from _checked where problem is null
            group by file_index, {keys}
            having count(distinct row({row})) > 1
        ) conflicts
        where _checked.problem is null and _checked.file_index = conflicts.file_index
            and {same_key}
    """).fetchall()


@dataclass
class FileCounts:
    """Per file of a checked batch: rows read and rejected, reasons, and warnings."""

    rows_read: int = 0
    rows_rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)


def count_checked(con: Any, table: Table, keys_repeat: bool) -> dict[int, FileCounts]:
    """Counts per ``file_index`` over ``_checked``; ``keys_repeat`` as :func:`check_lines`."""
    row = ", ".join(table.content_columns)
    repeats = (
        f"count(*) filter (where problem is null) "
        f"- count(distinct row({row})) filter (where problem is null)"
        if keys_repeat
        else "0"
    )
    text_columns = [c.name for c in table.columns if c.base_type == "varchar"] or ["null"]
    empties = " + ".join(f"coalesce(({c} = '')::int, 0)" for c in text_columns)
    counts: dict[int, FileCounts] = {}
    for index, read, rejected, duplicates, empty_text in con.execute(f"""
        select file_index, count(*), count(problem),
            {repeats},
            coalesce(sum({empties}) filter (where problem is null), 0)
        from _checked group by file_index""").fetchall():
        warnings = {"duplicate_row": int(duplicates), "empty_text": int(empty_text)}
        counts[index] = FileCounts(
            int(read), int(rejected), warnings={k: v for k, v in warnings.items() if v}
        )
    for index, reason, column, n in con.execute(
        "select file_index, problem.reason, problem.column, count(*) from _warnings "
        "group by all order by all"
    ).fetchall():
        counts[index].warnings[warning_key(reason, column)] = int(n)
    for index, reason, n in con.execute(
        "select file_index, problem.reason, count(*) from _checked where problem is not null "
        "group by 1, 2 order by 1, 2"
    ).fetchall():
        counts[index].rejects_by_reason[reason] = int(n)
    return counts


def warning_key(reason: str, column: str | None) -> str:
    """How a file's ledger counts a warning: per rule, ``reason:column`` (or ``reason``)."""
    return f"{reason}:{column}" if column else reason


def rejected_lines(con: Any) -> dict[int, list[dict[str, Any]]]:
    """The rejected lines of each file, in line order, as kept in the bucket's quarantine."""
    rejected: dict[int, list[dict[str, Any]]] = {}
    for index, n, reason, column, message, raw in con.execute(
        "select file_index, line_number, problem.reason, problem.column, problem.message, line "
        "from _checked where problem is not null order by file_index, line_number"
    ).fetchall():
        rejected.setdefault(index, []).append(
            {"line": n, "reason": reason, "column": column, "message": message, "raw": raw}
        )
    return rejected
