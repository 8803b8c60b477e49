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
from shopsight.contracts.model import Contract, ForeignKey, Table
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
    """Stage the batch's valid rows as ``_batch`` on the validator connection (with the
    landing tables' undeclared ``extras`` after the lineage, as those tables hold them)."""
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
    con.execute(f"create or replace temp view _batch as {batch_rows_sql(table, extras)}")


def _rejects_sql(contract: Contract, table: Table) -> str:
    """The batch's rejected lines as the quarantine holds them (validator connection)."""
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
    return (
        f"select {select} from _checked c inner join _files f "
        f"on c.file_index = f.file_index where c.problem is not null"
    )


def _row_warnings_sql(contract: Contract, table: Table) -> str:
    """The warnings of the batch's valid rows as ``row_warnings`` holds them."""
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
    return f"select {select} from _warnings w inner join _files f on w.file_index = f.file_index"


def load_batch(
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    files: list[FileResult],
    run_id: str,
    extras: Sequence[str] = (),
    keys_repeat: bool = True,
) -> None:
    """Write the staged batch; the caller owns the transaction. ``keys_repeat`` is False
    when no primary key occurs twice among the batch's rows (validation counted them).

    Each version is written once (decision 0037), and the warehouse receives rows only to
    keep them (decision 0039): which keys are "contested" (repeated in the batch, or
    already loaded) and how their versions rank is worked out on the validator connection,
    from the batch and the current rows of the keys it re-delivers. The latest version by
    (file day, path, line) is current, the others join the superseded versions, and a
    version identical to the one before it from another file is counted as
    ``duplicate_of_loaded_row``. Every other row goes straight to the current state.
    """
    con = warehouse.validator
    current = f"{contract.source}.{table.name}"
    names = table.column_names + [quoted(name) for name in extras]
    names += [name for name, _ in LINEAGE_COLUMNS]
    columns = ", ".join(names)
    by_id = {f.ingest_id: f for f in files}
    same_key = " and ".join(f"c.{k} = b.{k}" for k in table.primary_key)
    replaced = _find_contested_keys(warehouse, table, current, keys_repeat)
    fresh = (
        f"select {columns} from _batch b "
        f"where not exists (select 1 from _contested c where {same_key})"
    )
    if con.execute("select count(*) from _contested").fetchall()[0][0]:
        _rank_versions(con, table, names)
        _warn(by_id, "duplicate_of_loaded_row", con.execute(_duplicates_sql(table)).fetchall())
        if replaced:
            keys = ", ".join(table.primary_key)
            key_list = table.primary_key
            warehouse.stage("_replaced", f"select {keys} from _existing", current, key_list)
            warehouse.execute(
                f"delete from {current} where ({keys}) in (select {keys} from _replaced)"
            )
        fresh += f" union all select {columns} from _versions where _version_rank = 1"
        warehouse.append(
            f"{contract.source}.{superseded_table(table)}",
            names,
            f"select {columns} from _versions where _version_rank > 1",
        )
    warehouse.append(current, names, fresh)
    for fk in table.foreign_keys:
        _warn(by_id, "orphan_reference", _orphans(warehouse, contract.source, table, fk))
    if any(f.rows_rejected for f in files):
        rejects = _rejects_sql(contract, table)
        warehouse.append(f"{OPS_SCHEMA}.quarantine", QUARANTINE_COLUMNS, rejects)
    if con.execute("select count(*) from _warnings").fetchall()[0][0]:
        warehouse.append(
            f"{OPS_SCHEMA}.row_warnings", ROW_WARNING_COLUMNS, _row_warnings_sql(contract, table)
        )
    record_files(warehouse, files, run_id)


# Key types whose order is the same on every engine (text is not: PostgreSQL collates).
_RANGED_TYPES = ("int", "timestamp")


def _find_contested_keys(
    warehouse: Warehouse, table: Table, current: str, keys_repeat: bool = True
) -> int:
    """Make ``_existing`` (the current rows of the batch's keys that are already loaded) and
    ``_contested`` (those keys and the keys repeated in the batch) on the validator; returns
    how many keys are already loaded.

    Only the batch's keys inside the range of the loaded ones are looked up, when the first
    key column orders alike everywhere: a day of new order lines asks nothing of the
    warehouse, whatever its history."""
    con = warehouse.validator
    key_list = table.primary_key
    keys, first = ", ".join(key_list), key_list[0]
    con.execute("create or replace temp table _existing as select * from _batch limit 0")
    where, params = "", []
    if table.column(first).base_type in _RANGED_TYPES:
        low, high = warehouse.query(f"select min({first}), max({first}) from {current}")[0]
        where, params = f"where {first} between ? and ?", [low, high]
    con.execute(
        f"create or replace temp table _batch_keys as select distinct {keys} from _batch {where}",
        params,
    )
    low, high = con.execute(f"select min({first}), max({first}) from _batch_keys").fetchall()[0]
    if low is not None:
        warehouse.stage("_candidates", "select * from _batch_keys", current, key_list)
        found = warehouse.query_arrow(
            f"select t.* from {current} t where t.{first} between ? and ? "
            f"and ({keys}) in (select {keys} from _candidates)",
            [low, high],
        )
        con.register("_found", found)
        try:
            # Created and filled by one statement: in DuckDB 2.0, rows inserted into a
            # temporary table made empty in the same transaction are not seen by later
            # scans once they pass one row group (122,880), so re-delivered keys were
            # missed (issue 30: 787,172 keys twice in the current state at 30 M orders).
            typed = ", ".join(
                f'cast("{name}" as {kind}) as "{name}"'
                for name, kind, *_ in con.execute("describe _existing").fetchall()
            )
            con.execute(f"create or replace temp table _existing as select {typed} from _found")
        finally:
            con.unregister("_found")
    repeated = (
        f"select {keys} from _batch group by {keys} having count(*) > 1 union "
        if keys_repeat
        else ""
    )
    con.execute(
        f"create or replace temp table _contested as {repeated}select {keys} from _existing"
    )
    return int(con.execute("select count(*) from _existing").fetchall()[0][0])


def _rank_versions(con: Any, table: Table, names: list[str]) -> None:
    """``_versions``: every version of the contested keys, newest first per key."""
    keys = ", ".join(table.primary_key)
    columns = ", ".join(names)
    previous = ", ".join(
        f"lead({c}) over newest_first as _previous_{c}" for c in table.content_columns
    )
    con.execute(f"""
        create or replace temp table _versions as
        with candidates as (
            select {columns}, 1 as _is_new from _batch
            where ({keys}) in (select {keys} from _contested)
            union all
            select {columns}, 0 as _is_new from _existing
        )
        select *,
            row_number() over newest_first as _version_rank,
            lead(_file_path) over newest_first as _previous_path,
            {previous}
        from candidates
        window newest_first as (
            partition by {keys} order by _file_dt desc, _file_path desc, _line_number desc
        )""").fetchall()


def _duplicates_sql(table: Table) -> str:
    same = " and ".join(f"{c} = _previous_{c}" for c in table.content_columns)
    return (
        f"select _ingest_id, count(*) from _versions where _is_new = 1 "
        f"and _previous_path <> _file_path and {same} group by _ingest_id"
    )


def _orphans(
    warehouse: Warehouse, schema: str, table: Table, fk: ForeignKey
) -> list[tuple[Any, ...]]:
    """Per load, how many of the batch's rows name a parent the warehouse does not hold:
    the distinct references go to the warehouse, the missing ones come back.

    Only the parents inside the references' range are looked at, when the column orders
    alike everywhere: a day's order lines name recent orders, and the parent's zone maps
    skip the rest of its history (at 30 M orders the look-ups scanned every order once per
    batch: 20.6 s of the bulk load)."""
    con = warehouse.validator
    parent, column = f"{schema}.{fk.parent_table}", fk.parent_column
    warehouse.stage(
        "_references",
        f"select distinct {fk.column} as {column} from _batch where {fk.column} is not null",
        parent,
        [column],
    )
    within, params = "", []
    if table.column(fk.column).base_type in _RANGED_TYPES:
        low, high = con.execute(
            f"select min({fk.column}), max({fk.column}) from _batch"
        ).fetchall()[0]
        within, params = f" and p.{column} between ? and ?", [low, high]
    missing = warehouse.query_arrow(
        f"select r.{column} from _references r where not exists "
        f"(select 1 from {parent} p where p.{column} = r.{column}{within})",
        params,
    )
    if not missing.num_rows:
        return []
    con.register("_missing", missing)
    try:
        return con.execute(
            f"select b._ingest_id, count(*) from _batch b "
            f"inner join _missing m on b.{fk.column} = m.{column} group by b._ingest_id"
        ).fetchall()
    finally:
        con.unregister("_missing")


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
