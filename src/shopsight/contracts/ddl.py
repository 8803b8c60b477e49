"""Landing DDL rendered from a contract: the seed DDL's shape plus lineage, and the history
of every version (the superseded versions beside the current state, and a view of both)."""

from __future__ import annotations

from typing import Literal

from shopsight.contracts.model import Column, Contract, Table

Dialect = Literal["postgres", "duckdb"]

# Lineage columns added to every landing row (prefixed `_`, as the seed shape allows).
LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("_ingest_id", "varchar(64)"),
    ("_file_path", "varchar(1024)"),
    ("_file_dt", "date"),
    ("_line_number", "bigint"),
    ("_loaded_at", "timestamp"),
]


def sql_type(column: Column, dialect: Dialect) -> str:
    """The column's SQL type. The seed's FLOAT is 8 bytes in PostgreSQL; DuckDB calls it DOUBLE."""
    if column.base_type == "float":
        return "float" if dialect == "postgres" else "double"
    if column.base_type == "bool":
        return "boolean"
    return column.type


# PostgreSQL serves key look-ups from the primary key's index. DuckDB never uses an index
# for the loader's set-based joins, and its in-memory index of 90 M order-line keys made
# loading slower, the file larger and memory grow with the table (docs/decisions/0008);
# one current row per key is kept by the loader and checked by dbt's source tests.
_KEYED: dict[str, bool] = {"postgres": True, "duckdb": False}


def history_table(table: Table) -> str:
    """The view of every delivered version: the current state and the superseded ones."""
    return f"{table.name}_history"


def superseded_table(table: Table) -> str:
    """The versions that are not current: replaced by a later delivery, or withdrawn."""
    return f"{table.name}_superseded"


def history_view_sql(schema: str, table: Table) -> str:
    """(Re)create the history view. Each version is stored once, in the current state or
    among the superseded (docs/decisions/0037); both tables have the same columns in the
    same order, drift included."""
    return (
        f"create or replace view {schema}.{history_table(table)} as "
        f"select * from {schema}.{table.name} "
        f"union all select * from {schema}.{superseded_table(table)}"
    )


def superseded_ddl(schema: str, table: Table, dialect: Dialect) -> str:
    """The superseded versions' table; on PostgreSQL with an index on the key, which the
    look-ups of a key's versions use (a build's customers seen before, a withdrawal)."""
    name = superseded_table(table)
    ddl = _table_ddl(schema, name, table, dialect, with_pk=False)
    if _KEYED[dialect]:
        keys = ", ".join(table.primary_key)
        ddl += f"\ncreate index if not exists {name}_key on {schema}.{name} ({keys});"
    return ddl


def _table_ddl(schema: str, name: str, table: Table, dialect: Dialect, with_pk: bool) -> str:
    lines = [
        f"    {c.name} {sql_type(c, dialect)}{'' if c.nullable else ' not null'}"
        for c in table.columns
    ]
    lines += [f"    {name_} {type_}" for name_, type_ in LINEAGE_COLUMNS]
    if with_pk:
        lines.append(f"    primary key ({', '.join(table.primary_key)})")
    body = ",\n".join(lines)
    return f"create table if not exists {schema}.{name} (\n{body}\n);"


def render_landing_ddl(
    contract: Contract, dialect: Dialect = "postgres", views: bool = True
) -> str:
    """DDL for a source's schema: per table, the current state, the superseded versions and
    (unless ``views`` is false) the history view of both."""
    schema = contract.source
    parts = [
        f"-- Generated from src/shopsight/contracts/{schema}.yaml by `shopsight contracts ddl`.",
        "-- Do not edit: change the contract and regenerate.",
        f"create schema if not exists {schema};",
    ]
    for table in contract.tables.values():
        parts.append(f"\n-- {table.name}: current state (latest delivery per key)")
        parts.append(_table_ddl(schema, table.name, table, dialect, with_pk=_KEYED[dialect]))
        parts.append(f"-- {table.name}: the versions that are not current (replaced or withdrawn)")
        parts.append(superseded_ddl(schema, table, dialect))
        if views:
            parts.append(f"-- {table.name}: every delivered version, each stored once")
            parts.append(history_view_sql(schema, table) + ";")
    return "\n".join(parts) + "\n"
