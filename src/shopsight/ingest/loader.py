"""Ingest a source: discover new files, validate each against its contract, load it once.

Per file, in one warehouse transaction: the valid rows go to history and current state, the
rejected rows to the quarantine, and the ledger row records
``rows_read = rows_loaded + rows_rejected``. A crash before commit leaves nothing behind;
the next run loads the file again from scratch.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shopsight.contracts.ddl import LINEAGE_COLUMNS, history_table, render_landing_ddl
from shopsight.contracts.model import Contract, Table, load_contract
from shopsight.ingest.batch import FileResult, load_batch, record_file
from shopsight.ingest.discovery import LandedFile, list_new_files
from shopsight.ingest.ledger import OPS_DDL, OPS_SCHEMA, QUARANTINE_COLUMNS
from shopsight.ingest.quarantine import write_rejected_file, write_rejected_rows
from shopsight.ingest.reader import FileRejected, decompress, split_lines
from shopsight.ingest.validation import validation_sql
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    run_id: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def quarantined_files(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def over_ratio_files(self) -> list[FileResult]:
        return [f for f in self.files if f.over_reject_ratio]

    @property
    def trusted(self) -> bool:
        """False when a file was quarantined whole or rejected too many rows."""
        return not self.quarantined_files and not self.over_ratio_files

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "trusted": self.trusted,
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_quarantined": len(self.quarantined_files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_rejected": sum(f.rows_rejected for f in self.files),
            "files": [f.to_json() for f in self.files],
        }


def ensure_schema(warehouse: Warehouse, contract: Contract) -> None:
    """Create the ops tables and the source's landing tables if they do not exist."""
    warehouse.execute_script(OPS_DDL)
    warehouse.execute_script(render_landing_ddl(contract, warehouse.dialect))


def ingest(
    bucket: Bucket,
    warehouse: Warehouse,
    source: str = "retail_db",
    tables: list[str] | None = None,
    verify: bool = False,
    max_reject_ratio: float | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Load every new landed file of ``source`` (optionally only ``tables``).

    Returns the report; it is not ``trusted`` when a file was quarantined whole or went over
    the reject ratio (the contract's, unless ``max_reject_ratio`` is given).
    """
    contract = load_contract(source)
    ensure_schema(warehouse, contract)
    ratio = contract.max_reject_ratio if max_reject_ratio is None else max_reject_ratio
    report = IngestReport(run_id=uuid.uuid4().hex[:16])
    pending = list_new_files(bucket, warehouse, contract, tables, verify)
    if on_plan:
        on_plan(len(pending))
    for landed in pending:
        result = ingest_file(bucket, warehouse, contract, landed, report.run_id, ratio)
        if result.status != "skipped":
            report.files.append(result)
        if on_file:
            on_file(result)
    return report


def ingest_file(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    landed: LandedFile,
    run_id: str,
    max_reject_ratio: float,
) -> FileResult:
    """Validate and load one landed file exactly once (see the module docstring)."""
    data = bucket.read_bytes(landed.key)
    checksum = hashlib.sha256(data).hexdigest()
    result = FileResult(
        ingest_id=hashlib.sha256(f"{landed.key}\n{checksum}".encode()).hexdigest()[:32],
        source=contract.source,
        table=landed.table,
        path=landed.key,
        checksum=checksum,
        size_bytes=len(data),
        file_dt=landed.file_dt,
        started_at=_now(),
    )
    if _already_recorded(warehouse, landed.key, checksum):
        result.status = "skipped"
        return result
    try:
        _refuse_changed_redelivery(warehouse, landed.key, checksum)
        lines = split_lines(decompress(landed.key, data))
    except FileRejected as rejection:
        _quarantine_file(bucket, warehouse, result, data, rejection, run_id)
        return result
    table = contract.table(landed.table)
    if lines.num_rows == 0:
        result.warnings["empty_file"] = 1
        result.finished_at = _now()
        with warehouse.transaction():
            record_file(warehouse, result, run_id)
        return result
    _validate(warehouse, contract, table, lines)
    _count(warehouse, table, result)
    result.over_reject_ratio = bool(result.rows_read) and (
        result.rows_rejected / result.rows_read > max_reject_ratio
    )
    quarantine_object = ""
    result.finished_at = _now()
    if result.rows_rejected:
        quarantine_object = write_rejected_rows(
            bucket, landed.key, checksum, _rejected_rows(warehouse, result.path)
        )
    _stage(warehouse, contract, table, result, quarantine_object)
    with warehouse.transaction():
        if _already_recorded(warehouse, landed.key, checksum):
            result.status = "skipped"
            return result
        load_batch(warehouse, contract, table, result, run_id)
    return result


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _already_recorded(warehouse: Warehouse, path: str, checksum: str) -> bool:
    return bool(
        warehouse.query(
            f"select 1 from {OPS_SCHEMA}.ingest_ledger where path = ? and checksum = ?",
            [path, checksum],
        )
    )


def _refuse_changed_redelivery(warehouse: Warehouse, path: str, checksum: str) -> None:
    loaded = warehouse.query(
        f"select checksum from {OPS_SCHEMA}.ingest_ledger "
        f"where path = ? and status = 'loaded' and checksum <> ?",
        [path, checksum],
    )
    if loaded:
        raise FileRejected(
            "redelivered_with_new_content",
            f"this path was loaded before with checksum {loaded[0][0][:12]}; the new content "
            f"({checksum[:12]}) is kept aside until someone decides which version is right",
        )


def _validate(warehouse: Warehouse, contract: Contract, table: Table, lines: Any) -> None:
    con = warehouse.validator
    view = f"_validate_{contract.source}_{table.name}"
    con.register("_lines", lines)
    try:
        con.execute(
            f"create temp view if not exists {view} as "
            f"{validation_sql(table, contract.format, '_lines')}"
        ).fetchall()
        con.execute(f"create or replace temp table _checked as select * from {view}").fetchall()
    finally:
        con.unregister("_lines")
    keys = ", ".join(table.primary_key)
    distinct_keys = con.execute(
        f"select count(*) - count(distinct row({keys})) from _checked where problem is null"
    ).fetchall()[0][0]
    if distinct_keys:
        _reject_conflicting_keys(con, table)


def _reject_conflicting_keys(con: Any, table: Table) -> None:
    """Rows of one file that share a key but differ: no way to tell which one is right."""
    keys = ", ".join(table.primary_key)
    row = ", ".join(table.column_names)
    con.execute(f"""
        update _checked set problem = {{
            'reason': 'duplicate_key', 'column': '{table.primary_key[0]}',
            'message': '{keys} ' || conflicts.key_text || ' appears on lines '
                || conflicts.line_list || ' with different values'}}
        from (
            select {keys}, concat_ws(',', {keys}) as key_text,
                string_agg(line_number::varchar, ', ' order by line_number) as line_list
            from _checked where problem is null
            group by {keys}
            having count(distinct row({row})) > 1
        ) conflicts
        where _checked.problem is null
            and {" and ".join(f"_checked.{k} = conflicts.{k}" for k in table.primary_key)}
    """).fetchall()


def _count(warehouse: Warehouse, table: Table, result: FileResult) -> None:
    con = warehouse.validator
    row = ", ".join(table.column_names)
    text_columns = [c.name for c in table.columns if c.base_type == "varchar"] or ["null"]
    empties = " + ".join(f"coalesce(({c} = '')::int, 0)" for c in text_columns)
    read, rejected, duplicates, empty_text = con.execute(f"""
        select count(*), count(problem),
            count(*) filter (where problem is null)
                - count(distinct row({row})) filter (where problem is null),
            coalesce(sum({empties}) filter (where problem is null), 0)
        from _checked""").fetchone() or (0, 0, 0, 0)
    result.rows_read, result.rows_rejected = int(read), int(rejected)
    result.rows_loaded = result.rows_read - result.rows_rejected
    result.rejects_by_reason = dict(
        Counter(
            dict(
                con.execute(
                    "select problem.reason, count(*) from _checked where problem is not null "
                    "group by 1 order by 1"
                ).fetchall()
            )
        )
    )
    if duplicates:
        result.warnings["duplicate_row"] = int(duplicates)
    if empty_text:
        result.warnings["empty_text"] = int(empty_text)


def _rejected_rows(warehouse: Warehouse, path: str) -> list[dict[str, Any]]:
    rows = warehouse.validator.execute(
        "select line_number, problem.reason, problem.column, problem.message, line "
        "from _checked where problem is not null order by line_number"
    ).fetchall()
    return [
        {"path": path, "line": n, "reason": r, "column": c, "message": m, "raw": raw}
        for n, r, c, m, raw in rows
    ]


def _text(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def _stage(
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    result: FileResult,
    quarantine_object: str,
) -> None:
    lineage = {
        "_ingest_id": _text(result.ingest_id),
        "_file_path": _text(result.path),
        "_file_dt": f"{_text(result.file_dt)}::date",
        "_line_number": "line_number",
        "_loaded_at": f"{_text(str(result.finished_at))}::timestamp",
    }
    assert list(lineage) == [name for name, _ in LINEAGE_COLUMNS]
    lineage_sql = ", ".join(f"{value} as {name}" for name, value in lineage.items())
    history = f"{contract.source}.{history_table(table)}"
    warehouse.stage(
        "_batch",
        f"select {', '.join(table.column_names)}, {lineage_sql} "
        f"from _checked where problem is null",
        history,
    )
    quarantine = {
        "quarantine_id": f"{_text(result.ingest_id + ':')} || line_number",
        "ingest_id": _text(result.ingest_id),
        "source": _text(result.source),
        "table_name": _text(result.table),
        "path": _text(result.path),
        "line_number": "line_number",
        "column_name": "problem.column",
        "reason": "problem.reason",
        "message": "problem.message",
        "raw_line": "line",
        "quarantine_object": _text(quarantine_object),
        "quarantined_at": f"{_text(str(result.finished_at))}::timestamp",
        "readmitted_in": "null::varchar",
    }
    assert list(quarantine) == QUARANTINE_COLUMNS
    select = ", ".join(f"{value} as {name}" for name, value in quarantine.items())
    warehouse.stage(
        "_rejects",
        f"select {select} from _checked where problem is not null",
        f"{OPS_SCHEMA}.quarantine",
    )


def _quarantine_file(
    bucket: Bucket,
    warehouse: Warehouse,
    result: FileResult,
    data: bytes,
    rejection: FileRejected,
    run_id: str,
) -> None:
    """Keep the whole file aside: bucket copy, one quarantine row, and its ledger row."""
    target = write_rejected_file(
        bucket, result.path, result.checksum, data, rejection.reason, rejection.message
    )
    result.status, result.reason, result.message = (
        "quarantined",
        rejection.reason,
        rejection.message,
    )
    result.finished_at = _now()
    values = [
        f"{result.ingest_id}:file",
        result.ingest_id,
        result.source,
        result.table,
        result.path,
        None,
        None,
        rejection.reason,
        rejection.message,
        None,
        target,
        result.finished_at,
        None,
    ]
    with warehouse.transaction():
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.quarantine ({', '.join(QUARANTINE_COLUMNS)}) "
            f"values ({', '.join('?' for _ in values)})",
            values,
        )
        record_file(warehouse, result, run_id)
