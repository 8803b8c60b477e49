"""Schema drift: columns landed files carry that the contract does not declare, or lack.

An undeclared column is not a reason to refuse data: the landing table and its superseded
versions (and so the history view) gain a nullable text column of that name (never dropped,
never retyped), and every file that carried it, or lacked a declared nullable column, is
recorded in ``column_drift``; the columns, the rows and the record commit in one transaction
(see columns_for_batch for the exception: very many new columns on DuckDB).
``shopsight contracts drift`` reads that record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from shopsight.contracts.ddl import LINEAGE_COLUMNS, history_view_sql, superseded_table
from shopsight.contracts.model import Contract, Table
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.validation import quoted
from shopsight.ingest.warehouse import Warehouse


def landing_extras(warehouse: Warehouse, contract: Contract, table: Table) -> list[str]:
    """The undeclared columns the table's landing tables gained so far, in their order."""
    rows = warehouse.query(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [contract.source, table.name],
    )
    known = set(table.column_names) | {name for name, _ in LINEAGE_COLUMNS}
    return [name for (name,) in rows if name not in known]


def plan_landing_columns(
    warehouse: Warehouse, contract: Contract, table: Table, names: list[str]
) -> tuple[list[str], list[str]]:
    """The landing tables' undeclared columns once ``names`` are added (in the tables'
    order), and those of ``names`` not there yet. Nothing is changed."""
    extras = landing_extras(warehouse, contract, table)
    new = [name for name in dict.fromkeys(names) if name not in extras]
    return extras + new, new


# DuckDB keeps a version of the table per ALTER until its transaction ends: 1,000 columns
# added to a table and its history in one transaction peaked at 657 MiB (104 MiB one ALTER
# per transaction). Past this many, they are added before the data's transaction instead.
IN_TRANSACTION_COLUMNS = 64


def adds_in_transaction(warehouse: Warehouse, new: list[str]) -> bool:
    """Whether ``new`` columns are added inside the data's transaction (always on
    PostgreSQL; on DuckDB up to IN_TRANSACTION_COLUMNS, the usual drift of a column or two)."""
    return warehouse.dialect == "postgres" or len(new) <= IN_TRANSACTION_COLUMNS


def add_landing_columns(
    warehouse: Warehouse, contract: Contract, table: Table, new: list[str]
) -> None:
    """Add the columns (nullable text) to the current state and the superseded versions, in
    that order in both, then make the history view again with them. PostgreSQL takes them in
    one statement per table; DuckDB, one column per statement."""
    if not new:
        return
    for target in (table.name, superseded_table(table)):
        additions = [f"add column {quoted(name)} text" for name in new]
        if warehouse.dialect == "postgres":
            warehouse.execute(f"alter table {contract.source}.{target} {', '.join(additions)}")
            continue
        for addition in additions:
            warehouse.execute(f"alter table {contract.source}.{target} {addition}")
    warehouse.execute(history_view_sql(contract.source, table))


@contextmanager
def columns_for_batch(
    warehouse: Warehouse, contract: Contract, table: Table, new: list[str]
) -> Iterator[Callable[[], None]]:
    """Around a batch's load: yields the function that adds ``new`` columns inside the
    data's transaction (so a batch that does not commit leaves none behind). Many columns
    on DuckDB are added before it instead, and dropped again if the batch fails (a crash
    in between leaves empty nullable columns, which the file's next load reuses)."""
    if adds_in_transaction(warehouse, new):
        yield lambda: add_landing_columns(warehouse, contract, table, new)
        return
    add_landing_columns(warehouse, contract, table, new)  # each ALTER commits on its own
    try:
        yield lambda: None
    except BaseException:
        for target in (table.name, superseded_table(table)):
            for name in reversed(new):
                warehouse.execute(
                    f"alter table {contract.source}.{target} drop column {quoted(name)}"
                )
        warehouse.execute(history_view_sql(contract.source, table))
        raise


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
