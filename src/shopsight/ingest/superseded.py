"""Every delivered version is stored once: the latest per key in the current state, the
others in ``<table>_superseded``; ``<table>_history`` is the view of both (decision 0037).

A warehouse made before that kept a second copy of every row in a ``_history`` table: the
first ingest after the upgrade moves the versions that are not current out of it, in one
transaction, and replaces it by the view.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shopsight.contracts.ddl import (
    LINEAGE_COLUMNS,
    history_table,
    history_view_sql,
    superseded_ddl,
    superseded_table,
)
from shopsight.contracts.model import Contract, Table
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.validation import quoted
from shopsight.ingest.warehouse import Warehouse


def prepare_history(warehouse: Warehouse, contract: Contract) -> list[str]:
    """Turn each old ``_history`` table of the source into the view, and give the superseded
    versions any drift column only the current state has (a crash between the two tables'
    ALTERs, drift.py); returns the tables upgraded. Run after the ops tables and before the
    landing DDL, which makes the views."""
    upgraded = []
    kinds = _relation_types(warehouse, contract.source)
    columns = _relation_columns(warehouse, contract.source)
    for table in contract.tables.values():
        kind = kinds.get(history_table(table))
        if kind == "BASE TABLE":
            with warehouse.transaction():
                _upgrade(warehouse, contract.source, table)
            upgraded.append(table.name)
        elif kind is not None:
            _align_superseded(warehouse, contract.source, table, columns)
    return upgraded


def make_history_views(warehouse: Warehouse, contract: Contract) -> None:
    """Make each table's history view where it is missing or lacks a column of the current
    state. Only then: replacing a view waits for every query reading it (on PostgreSQL, an
    exclusive lock), so an analyst's long query over ``_history`` would hold up the
    morning's ingest."""
    columns = _relation_columns(warehouse, contract.source)
    for table in contract.tables.values():
        if columns.get(history_table(table), []) != columns.get(table.name, []):
            warehouse.execute(history_view_sql(contract.source, table))


def _align_superseded(
    warehouse: Warehouse, schema: str, table: Table, columns: dict[str, list[str]]
) -> None:
    have = set(columns.get(superseded_table(table), []))
    for name in columns.get(table.name, []):
        if name not in have:
            warehouse.execute(
                f"alter table {schema}.{superseded_table(table)} add column {quoted(name)} text"
            )


def _upgrade(warehouse: Warehouse, schema: str, table: Table) -> None:
    history, superseded = history_table(table), superseded_table(table)
    warehouse.execute_script(superseded_ddl(schema, table, warehouse.dialect))
    extras = [name for name in columns_of(warehouse, schema, history) if name not in known(table)]
    for name in extras:  # drift columns, in the history's order (as the current state has them)
        warehouse.execute(f"alter table {schema}.{superseded} add column {quoted(name)} text")
    names = ", ".join(quoted(name) for name in columns_of(warehouse, schema, history))
    warehouse.execute(
        f"insert into {schema}.{superseded} ({names}) select {names} from {schema}.{history} h "
        f"where not exists (select 1 from {schema}.{table.name} c "
        f"where c._ingest_id = h._ingest_id and c._line_number = h._line_number)"
    )
    # PostgreSQL's views of dbt that read the old table go with it; the next build, asked to
    # rebuild in full, makes them again over the view.
    cascade = " cascade" if warehouse.dialect == "postgres" else ""
    warehouse.execute(f"drop table {schema}.{history}{cascade}")
    warehouse.execute(history_view_sql(schema, table))
    warehouse.execute(
        f"insert into {OPS_SCHEMA}.full_refresh_requests (requested_at, reason) values (?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            f"{schema}.{history} now stores each version once (docs/decisions/0037)",
        ],
    )


def known(table: Table) -> set[str]:
    return set(table.column_names) | {name for name, _ in LINEAGE_COLUMNS}


def columns_of(warehouse: Warehouse, schema: str, name: str) -> list[str]:
    rows = warehouse.query(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    )
    return [str(row[0]) for row in rows]


def _relation_columns(warehouse: Warehouse, schema: str) -> dict[str, list[str]]:
    """Every table's and view's columns in ``schema``, in order, by one query: a question
    per table cost about 8 ms each on DuckDB, 0.55 s of every build and ingest."""
    columns: dict[str, list[str]] = {}
    for name, column in warehouse.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ):
        columns.setdefault(str(name), []).append(str(column))
    return columns


def _relation_types(warehouse: Warehouse, schema: str) -> dict[str, str]:
    """``BASE TABLE`` or ``VIEW`` for each relation in ``schema``."""
    rows = warehouse.query(
        "select table_name, table_type from information_schema.tables where table_schema = ?",
        [schema],
    )
    return {str(name): str(kind) for name, kind in rows}
