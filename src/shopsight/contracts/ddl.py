"""Landing DDL rendered from a contract: the seed DDL's shape plus lineage and history tables."""

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
    return f"{table.name}_history"


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


def render_landing_ddl(contract: Contract, dialect: Dialect = "postgres") -> str:
    """DDL for a source's schema: per table, the current-state table and its history."""
    schema = contract.source
    parts = [
        f"-- Generated from src/shopsight/contracts/{schema}.yaml by `shopsight contracts ddl`.",
        "-- Do not edit: change the contract and regenerate.",
        f"create schema if not exists {schema};",
    ]
    for table in contract.tables.values():
        parts.append(f"\n-- {table.name}: current state (latest delivery per key)")
        parts.append(_table_ddl(schema, table.name, table, dialect, with_pk=_KEYED[dialect]))
        parts.append(f"-- {table.name}: every delivered version, never updated")
        parts.append(_table_ddl(schema, history_table(table), table, dialect, with_pk=False))
    return "\n".join(parts) + "\n"
