"""Schema drift: columns landed files carry that the contract does not declare, or lack.

An undeclared column is not a reason to refuse data: the landing table and its history gain
a nullable text column of that name (never dropped, never retyped), and every file that
carried it, or lacked a declared nullable column, is recorded in ``column_drift`` in the
same transaction as its rows. ``shopsight contracts drift`` reads that record.
"""

from __future__ import annotations

from typing import Any

from shopsight.contracts.ddl import LINEAGE_COLUMNS, history_table
from shopsight.contracts.model import Contract, Table
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.validation import quoted
from shopsight.ingest.warehouse import Warehouse


def landing_extras(warehouse: Warehouse, contract: Contract, table: Table) -> list[str]:
    """The undeclared columns the table's landing tables gained so far, in their order."""
    rows = warehouse.query(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [contract.source, history_table(table)],
    )
    known = set(table.column_names) | {name for name, _ in LINEAGE_COLUMNS}
    return [name for (name,) in rows if name not in known]


def evolve_landing(
    warehouse: Warehouse, contract: Contract, table: Table, names: list[str]
) -> list[str]:
    """Add the undeclared columns not yet there (nullable text) to the current-state table
    and its history, in that order in both; return all of them, in the tables' order."""
    extras = landing_extras(warehouse, contract, table)
    new = [name for name in names if name not in extras]
    if new:
        with warehouse.transaction():
            for target in (table.name, history_table(table)):
                for name in new:
                    warehouse.execute(
                        f"alter table {contract.source}.{target} add column {quoted(name)} text"
                    )
        extras += new
    return extras


def drift_report(warehouse: Warehouse, source: str | None = None) -> list[dict[str, Any]]:
    """Per source, table and column: how the landed files differed from the contract, the
    first and last day seen, and in how many files."""
    where, params = ("where source = ?", [source]) if source else ("", [])
    rows = warehouse.query(
        f"""select source, table_name, column_name, kind, min(file_dt), max(file_dt),
            count(distinct path), min(path)
        from {OPS_SCHEMA}.column_drift {where}
        group by 1, 2, 3, 4 order by 1, 2, 4 desc, 3""",
        params,
    )
    return [
        {
            "source": source_,
            "table": table,
            "column": column,
            "kind": kind,
            "first_day": str(first) if first else None,
            "last_day": str(last) if last else None,
            "files": int(files),
            "example_file": example,
        }
        for source_, table, column, kind, first, last, files, example in rows
    ]
