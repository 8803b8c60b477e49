"""Load one validated file into the warehouse: history, current state, quarantine, ledger.

Everything here runs inside the file's single transaction, as portable SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shopsight.contracts.ddl import LINEAGE_COLUMNS, history_table
from shopsight.contracts.model import Contract, Table
from shopsight.ingest.ledger import LEDGER_COLUMNS, OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse


@dataclass
class FileResult:
    """The outcome of ingesting one landed file (one ledger row)."""

    ingest_id: str
    source: str
    table: str
    path: str
    checksum: str
    size_bytes: int
    file_dt: str | None
    status: str = "loaded"  # loaded | quarantined | skipped
    reason: str | None = None
    message: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    over_reject_ratio: bool = False
    started_at: Any = None
    finished_at: Any = None

    def ledger_row(self, run_id: str) -> list[Any]:
        values = {
            **self.__dict__,
            "run_id": run_id,
            "table_name": self.table,
            "warnings": json.dumps(self.warnings, sort_keys=True),
        }
        return [values[name] for name in LEDGER_COLUMNS]

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("started_at", "finished_at")}
        return data


def _key_match(table: Table, left: str, right: str) -> str:
    return " and ".join(f"{left}.{k} = {right}.{k}" for k in table.primary_key)


def _same_values(table: Table, left: str, right: str) -> str:
    return " and ".join(f"{left}.{c} = {right}.{c}" for c in table.column_names)


def load_batch(
    warehouse: Warehouse, contract: Contract, table: Table, result: FileResult, run_id: str
) -> None:
    """Write staged ``_batch``/``_rejects`` for one file; the caller owns the transaction."""
    schema, columns = contract.source, ", ".join(table.column_names)
    lineage = ", ".join(name for name, _ in LINEAGE_COLUMNS)
    keys = ", ".join(table.primary_key)
    current = f"{schema}.{table.name}"
    history = f"{schema}.{history_table(table)}"
    duplicates = warehouse.query(
        f"select count(*) from _batch b inner join {current} c "
        f"on {_key_match(table, 'b', 'c')} and {_same_values(table, 'b', 'c')}"
    )[0][0]
    if duplicates:
        result.warnings["duplicate_of_loaded_row"] = int(duplicates)
    warehouse.execute(
        f"insert into {history} ({columns}, {lineage}) select {columns}, {lineage} from _batch"
    )
    warehouse.execute(f"delete from {current} where ({keys}) in (select {keys} from _batch)")
    warehouse.execute(f"""
        insert into {current} ({columns}, {lineage})
        select {columns}, {lineage} from (
            select h.*, row_number() over (
                partition by {keys} order by _file_dt desc, _file_path desc, _line_number desc
            ) as _version_rank
            from {history} h
            where ({keys}) in (select {keys} from _batch)
        ) latest
        where _version_rank = 1""")
    orphans = 0
    for fk in table.foreign_keys:
        parent = f"{schema}.{fk.parent_table}"
        orphans += warehouse.query(
            f"select count(*) from _batch b where not exists (select 1 from {parent} p "
            f"where p.{fk.parent_column} = b.{fk.column})"
        )[0][0]
    if orphans:
        result.warnings["orphan_reference"] = int(orphans)
    if result.rows_rejected:
        warehouse.execute(f"insert into {OPS_SCHEMA}.quarantine select * from _rejects")
    record_file(warehouse, result, run_id)


def record_file(warehouse: Warehouse, result: FileResult, run_id: str) -> None:
    """Insert the file's ledger row."""
    placeholders = ", ".join("?" for _ in LEDGER_COLUMNS)
    warehouse.execute(
        f"insert into {OPS_SCHEMA}.ingest_ledger ({', '.join(LEDGER_COLUMNS)}) "
        f"values ({placeholders})",
        result.ledger_row(run_id),
    )
