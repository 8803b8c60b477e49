"""The row validator: SQL generated from a contract, run in DuckDB over a file's lines.

Every line comes out exactly once, either typed (``problem`` is null) or with the first
problem found: a reason code, the column, and a message saying what was expected.
"""

from __future__ import annotations

from shopsight.contracts.model import Column, FileFormat, Table

# A field is either quoted (quotes inside doubled) or free of quotes and delimiters.
_FIELD = '("(?:[^"]|"")*"|[^,"]*)'
_ROW = f"{_FIELD}(?:,{_FIELD})*"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _problem(reason: str, column: str | None, message_sql: str) -> str:
    column_sql = _literal(column) if column else "null::varchar"
    return f"{{'reason': {_literal(reason)}, 'column': {column_sql}, 'message': {message_sql}}}"


def _found(field: str) -> str:
    return f"'found ''' || left({field}, 60) || ''''"


def _typed(column: Column, field: str, fmt: FileFormat) -> str:
    if column.base_type == "int":
        return f"try_cast(trim({field}) as integer)"
    if column.base_type == "float":
        return f"try_cast(trim({field}) as double)"
    if column.base_type == "timestamp":
        pattern = _literal(fmt.timestamp_pattern)
        return (
            f"case when regexp_full_match({field}, {pattern}) "
            f"then try_cast({field} as timestamp) end"
        )
    return field


def _column_checks(column: Column, field: str, value: str, fmt: FileFormat) -> list[str]:
    """CASE branches for one column, in the order they are reported."""
    name, rules = column.name, column.rules
    checks = []
    if column.base_type != "varchar":
        checks.append(
            f"when {field} = '' then "
            + _problem("missing_value", name, f"'{name}: expected a value, found an empty field'")
        )
    expected = {
        "int": "an integer",
        "float": "a finite number",
        "timestamp": f"a timestamp like {fmt.timestamp_example}",
    }
    reasons = {
        "int": "invalid_integer",
        "float": "invalid_number",
        "timestamp": "invalid_timestamp",
    }
    if column.base_type in expected:
        invalid = f"{value} is null" + (
            f" or not isfinite({value})" if column.base_type == "float" else ""
        )
        checks.append(
            f"when {invalid} then "
            + _problem(
                reasons[column.base_type],
                name,
                f"'{name}: expected {expected[column.base_type]}, ' || {_found(field)}",
            )
        )
    if column.max_length:
        checks.append(
            f"when length({field}) > {column.max_length} then "
            + _problem(
                "too_long",
                name,
                f"'{name}: expected at most {column.max_length} characters, "
                f"found ' || length({field})",
            )
        )
    bounds = [
        (rules.min, ">=", "at least"),
        (rules.min_exclusive, ">", "more than"),
        (rules.max, "<=", "at most"),
    ]
    for bound, operator, words in bounds:
        if bound is not None:
            checks.append(
                f"when not ({value} {operator} {bound}) then "
                + _problem(
                    "out_of_range",
                    name,
                    f"'{name}: expected {words} {bound:g}, ' || {_found(field)}",
                )
            )
    if rules.accepted_values:
        values = ", ".join(_literal(v) for v in rules.accepted_values)
        listed = ", ".join(rules.accepted_values)
        checks.append(
            f"when {field} not in ({values}) then "
            + _problem(
                "not_accepted_value",
                name,
                f"'{name}: expected one of {listed}, ' || {_found(field)}",
            )
        )
    if rules.pattern:
        checks.append(
            f"when not regexp_full_match({field}, {_literal(rules.pattern)}) then "
            + _problem(
                "pattern_mismatch",
                name,
                f"'{name}: expected to match {rules.pattern}, ' || {_found(field)}",
            )
        )
    return checks


def validation_sql(table: Table, fmt: FileFormat, lines: str) -> str:
    """SQL over relation ``lines`` (line_number, line_with_newline, invalid_utf8).

    Returns one row per line: ``line_number``, ``line``, every contract column typed, and
    ``problem`` (a struct of reason, column, message; null for a valid row).
    """
    n = len(table.columns)
    header = _literal(fmt.delimiter.join(table.column_names))
    fields = [f"fields[{i + 1}]" for i in range(n)]
    typed = [f"{_typed(c, f, fmt)} as {c.name}" for c, f in zip(table.columns, fields, strict=True)]
    checks = []
    for column, field in zip(table.columns, fields, strict=True):
        checks += _column_checks(column, field, column.name, fmt)
    for rule in table.row_rules:
        checks.append(
            f"when not ({rule.holds_when}) then "
            + _problem(rule.reason, None, _literal(rule.message))
        )
    structure = [
        "when invalid_utf8 then "
        + _problem("invalid_utf8", None, "'expected UTF-8 text, found invalid bytes'"),
        "when not well_quoted and (length(line) - length(replace(line, '\"', ''))) % 2 = 1 then "
        + _problem(
            "unterminated_quote", None, "'expected a closing quote before the end of the line'"
        ),
        "when not well_quoted then "
        + _problem("bad_quote", None, "'expected quotes only around a whole field'"),
        f"when line = {header} then "
        + _problem(
            "unexpected_header", None, "'expected data, found a header line in a headerless file'"
        ),
        f"when n_fields > {n} then "
        + _problem("too_many_fields", None, f"'expected {n} fields, found ' || n_fields"),
        f"when n_fields < {n} then "
        + _problem("too_few_fields", None, f"'expected {n} fields, found ' || n_fields"),
    ]
    all_checks = "\n            ".join(structure + checks)
    return f"""
with raw as (
    select
        line_number,
        rtrim(line_with_newline, chr(13) || chr(10)) as line,
        invalid_utf8
    from {lines}
),
split as (
    select
        *,
        not contains(line, '"') or regexp_full_match(line, {_literal(_ROW)}) as well_quoted,
        list_transform(
            case when contains(line, '"')
                then regexp_extract_all(line, {_literal("(?:^|,)" + _FIELD)}, 1)
                else string_split(line, ',') end,
            lambda f: case when starts_with(f, '"') then replace(f[2:-2], '""', '"') else f end
        ) as fields
    from raw
),
typed as (
    select line_number, line, invalid_utf8, well_quoted, len(fields) as n_fields, fields,
        {", ".join(typed)}
    from split
)
select
    line_number, line, {", ".join(table.column_names)},
    case
        {all_checks}
    end as problem
from typed
"""
