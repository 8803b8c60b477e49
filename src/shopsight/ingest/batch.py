"""Load a checked batch of whole files: current state and superseded versions, quarantine
and ledger.

:func:`load_batch` runs inside the batch's single transaction, as portable SQL, so a batch
(and every file in it) is either entirely in the warehouse or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from shopsight.contracts.ddl import LINEAGE_COLUMNS, superseded_table
from shopsight.contracts.model import Contract, Table
from shopsight.ingest.ledger import (
    LEDGER_COLUMNS,
    OPS_SCHEMA,
    QUARANTINE_COLUMNS,
    ROW_WARNING_COLUMNS,
)
from shopsight.ingest.validation import quoted
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
    quarantine_object: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    fingerprint: str | None = None  # ingest/fingerprint.py

    def ledger_row(self, run_id: str) -> list[Any]:
        values = {
            **self.__dict__,
            "run_id": run_id,
            "table_name": self.table,
            "warnings": json.dumps(self.warnings, sort_keys=True),
        }
        return [values[name] for name in LEDGER_COLUMNS]

    def to_json(self) -> dict[str, Any]:
        hidden = ("started_at", "finished_at", "quarantine_object")
        return {k: v for k, v in self.__dict__.items() if k not in hidden}


LINEAGE_VALUES = {
    "_ingest_id": "f.ingest_id",
    "_file_path": "f.path",
    "_file_dt": "f.file_dt",
    "_line_number": "c.line_number",
    "_loaded_at": "f.loaded_at",
}


def batch_rows_sql(table: Table, extras: Sequence[str] = ()) -> str:
    """The batch's valid rows as the history holds them (validator connection): the
    contract's columns typed, the lineage, then the undeclared ``extras``."""
    assert list(LINEAGE_VALUES) == [name for name, _ in LINEAGE_COLUMNS]
    columns = ", ".join(f"c.{name}" for name in table.column_names)
    select = ", ".join(f"{value} as {name}" for name, value in LINEAGE_VALUES.items())
    select += "".join(f", c.{quoted(name)}" for name in extras)
    return (
        f"select {columns}, {select} from _checked c inner join _files f "
        f"on c.file_index = f.file_index where c.problem is null"
    )


def stage_batch(
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    files: dict[int, FileResult],
    extras: Sequence[str] = (),
) -> None:
    """Stage the batch's valid rows as ``_batch`` (with the landing tables' undeclared
    ``extras`` after the lineage, as those tables hold them), its rejects as ``_rejects``
    and the warnings of its valid rows as ``_row_warnings``."""
    con = warehouse.validator
    con.register(
        "_files_arrow",
        pa.table(
            {
                "file_index": pa.array(list(files), pa.int32()),
                "ingest_id": [f.ingest_id for f in files.values()],
                "path": [f.path for f in files.values()],
                "file_dt": pa.array(
                    [date.fromisoformat(f.file_dt) if f.file_dt else None for f in files.values()],
                    pa.date32(),
                ),
                "loaded_at": pa.array([f.finished_at for f in files.values()], pa.timestamp("us")),
                "quarantine_object": [f.quarantine_object for f in files.values()],
            }
        ),
    )
    con.execute("create or replace temp table _files as select * from _files_arrow").fetchall()
    con.unregister("_files_arrow")
    warehouse.stage("_batch", batch_rows_sql(table, extras), f"{contract.source}.{table.name}")
    quarantine = {
        "quarantine_id": "f.ingest_id || ':' || c.line_number",
        "ingest_id": "f.ingest_id",
        "source": f"'{contract.source}'",
        "table_name": f"'{table.name}'",
        "path": "f.path",
        "line_number": "c.line_number",
        "column_name": "c.problem.column",
        "reason": "c.problem.reason",
        "message": "c.problem.message",
        # PostgreSQL text cannot hold NUL: shown escaped here, kept verbatim in the bucket.
        "raw_line": "replace(c.line, chr(0), '\\x00')",
        "quarantine_object": "f.quarantine_object",
        "quarantined_at": "f.loaded_at",
        "readmitted_in": "null::varchar",
    }
    assert list(quarantine) == QUARANTINE_COLUMNS
    select = ", ".join(f"{value} as {name}" for name, value in quarantine.items())
    warehouse.stage(
        "_rejects",
        f"select {select} from _checked c inner join _files f "
        f"on c.file_index = f.file_index where c.problem is not null",
        f"{OPS_SCHEMA}.quarantine",
    )
    warning = {
        "ingest_id": "f.ingest_id",
        "source": f"'{contract.source}'",
        "table_name": f"'{table.name}'",
        "path": "f.path",
        "line_number": "w.line_number",
        "row_key": "w.row_key",
        "column_name": "w.problem.column",
        "reason": "w.problem.reason",
        "message": "w.problem.message",
    }
    assert list(warning) == ROW_WARNING_COLUMNS
    select = ", ".join(f"{value} as {name}" for name, value in warning.items())
    warehouse.stage(
        "_row_warnings",
        f"select {select} from _warnings w inner join _files f on w.file_index = f.file_index",
        f"{OPS_SCHEMA}.row_warnings",
    )


def load_batch(
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    files: list[FileResult],
    run_id: str,
    extras: Sequence[str] = (),
) -> None:
    """Write the staged batch; the caller owns the transaction.

    Each version is written once (decision 0037). Keys new to the warehouse and unique in the
    batch go straight to the current state. Only "contested" keys (already loaded, or
    repeated in the batch) are ranked: the latest version by (file day, path, line) becomes
    current, the others join the superseded versions, and a version identical to the one
    before it from another file is counted as ``duplicate_of_loaded_row``.
    """
    schema = contract.source
    columns = ", ".join(table.column_names + [quoted(name) for name in extras])
    lineage = ", ".join(name for name, _ in LINEAGE_COLUMNS)
    keys = ", ".join(table.primary_key)
    current = f"{schema}.{table.name}"
    by_id = {f.ingest_id: f for f in files}
    same_key = " and ".join(f"c.{k} = b.{k}" for k in table.primary_key)
    warehouse.execute("drop table if exists _contested")
    warehouse.execute(f"""
        create temp table _contested as
        select {keys} from _batch group by {keys} having count(*) > 1
        union
        select {keys} from {current} where ({keys}) in (select {keys} from _batch)""")
    warehouse.execute(f"""
        insert into {current} ({columns}, {lineage})
        select {columns}, {lineage} from _batch b
        where not exists (select 1 from _contested c where {same_key})""")
    if warehouse.query("select count(*) from _contested")[0][0]:
        _settle_contested_keys(warehouse, schema, table, by_id, extras)
    for fk in table.foreign_keys:
        _warn(
            by_id,
            "orphan_reference",
            warehouse.query(
                f"select b._ingest_id, count(*) from _batch b where b.{fk.column} is not null "
                f"and not exists ("
                f"select 1 from {schema}.{fk.parent_table} p "
                f"where p.{fk.parent_column} = b.{fk.column}"
                f") group by b._ingest_id"
            ),
        )
    if any(f.rows_rejected for f in files):
        warehouse.execute(f"insert into {OPS_SCHEMA}.quarantine select * from _rejects")
    warehouse.execute(f"insert into {OPS_SCHEMA}.row_warnings select * from _row_warnings")
    record_files(warehouse, files, run_id)


def _settle_contested_keys(
    warehouse: Warehouse,
    schema: str,
    table: Table,
    files: dict[str, FileResult],
    extras: Sequence[str],
) -> None:
    current, superseded = f"{schema}.{table.name}", f"{schema}.{superseded_table(table)}"
    keys = ", ".join(table.primary_key)
    columns = ", ".join(table.column_names + [quoted(name) for name in extras])
    lineage = ", ".join(name for name, _ in LINEAGE_COLUMNS)
    previous = ", ".join(
        f"lead({c}) over newest_first as _previous_{c}" for c in table.content_columns
    )
    same = " and ".join(f"{c} = _previous_{c}" for c in table.content_columns)
    warehouse.execute("drop table if exists _versions")
    warehouse.execute(f"""
        create temp table _versions as
        with candidates as (
            select {columns}, {lineage}, 1 as _is_new from _batch
            where ({keys}) in (select {keys} from _contested)
            union all
            select {columns}, {lineage}, 0 as _is_new from {current}
            where ({keys}) in (select {keys} from _contested)
        )
        select *,
            row_number() over newest_first as _version_rank,
            lead(_file_path) over newest_first as _previous_path,
            {previous}
        from candidates
        window newest_first as (
            partition by {keys} order by _file_dt desc, _file_path desc, _line_number desc
        )""")
    _warn(
        files,
        "duplicate_of_loaded_row",
        warehouse.query(
            f"select _ingest_id, count(*) from _versions where _is_new = 1 "
            f"and _previous_path <> _file_path and {same} group by _ingest_id"
        ),
    )
    warehouse.execute(f"delete from {current} where ({keys}) in (select {keys} from _contested)")
    warehouse.execute(
        f"insert into {current} ({columns}, {lineage}) "
        f"select {columns}, {lineage} from _versions where _version_rank = 1"
    )
    warehouse.execute(
        f"insert into {superseded} ({columns}, {lineage}) "
        f"select {columns}, {lineage} from _versions where _version_rank > 1"
    )


def _warn(files: dict[str, FileResult], code: str, counts: list[tuple[Any, ...]]) -> None:
    for ingest_id, count in counts:
        if count:
            warnings = files[ingest_id].warnings
            warnings[code] = warnings.get(code, 0) + int(count)


def record_files(warehouse: Warehouse, files: list[FileResult], run_id: str) -> None:
    """Insert the files' ledger rows."""
    if files:
        warehouse.insert_rows(
            f"{OPS_SCHEMA}.ingest_ledger", LEDGER_COLUMNS, [f.ledger_row(run_id) for f in files]
        )
