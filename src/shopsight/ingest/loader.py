"""Ingest a source: discover new files, validate them against the contract, load each once.

New files are taken table by table (parents first) in batches of whole files. A batch is
validated in one pass and written in one warehouse transaction: valid rows to history and
current state, rejected rows to the quarantine, and one ledger row per file recording
``rows_read = rows_loaded + rows_rejected``. A crash before commit leaves none of the batch's
files behind; the next run loads them again from scratch. A file that cannot be read at all
is quarantined whole in a transaction of its own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

import pyarrow as pa

from shopsight.contracts.ddl import render_landing_ddl
from shopsight.contracts.model import Contract, Table, load_contract
from shopsight.failpoints import failpoint
from shopsight.ingest import history
from shopsight.ingest.batch import (
    FileResult,
    load_batch,
    record_files,
    stage_batch,
)
from shopsight.ingest.discovery import IgnoredObject, LandedFile, list_new_files
from shopsight.ingest.drift import columns_for_batch, plan_landing_columns
from shopsight.ingest.fast_path import FileText, can_read_fast, check_fast, data_line_count
from shopsight.ingest.fingerprint import fingerprint_of_bytes
from shopsight.ingest.layout import Layout
from shopsight.ingest.ledger import DRIFT_COLUMNS, OPS_DDL, OPS_SCHEMA, QUARANTINE_COLUMNS
from shopsight.ingest.quarantine import write_rejected_file, write_rejected_rows_of
from shopsight.ingest.reader import (
    FileRejected,
    InflationLimits,
    decompress,
    pick_lines,
    split_lines,
)
from shopsight.ingest.superseded import make_history_views, prepare_history
from shopsight.ingest.validation import (
    KeyRepeats,
    count_checked,
    finish_checks,
    rejected_lines,
    validate_lines,
)
from shopsight.ingest.warehouse import Warehouse, ingest_memory
from shopsight.redact import redact
from shopsight.storage import Bucket

BATCH_BYTES = 64 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"  # landed bytes validated and committed together


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    run_id: str
    files: list[FileResult] = field(default_factory=list)
    ignored: list[IgnoredObject] = field(default_factory=list)  # objects that are not files

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
            "ignored_objects": [{"key": o.key, "reason": o.reason} for o in self.ignored],
        }


def ensure_schema(warehouse: Warehouse, contract: Contract) -> None:
    """Create the ops tables and the source's landing tables if they do not exist."""
    warehouse.execute_script(OPS_DDL)
    prepare_history(warehouse, contract)
    warehouse.execute_script(render_landing_ddl(contract, warehouse.dialect, views=False))
    make_history_views(warehouse, contract)


def ingest(
    bucket: Bucket,
    warehouse: Warehouse,
    source: str = "retail_db",
    tables: list[str] | None = None,
    verify: bool = False,
    max_reject_ratio: float | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    until: date | None = None,
    fast: bool = True,
) -> IngestReport:
    """Load every new landed file of ``source`` (optionally only ``tables``; with ``until``,
    only files of days up to that one, so a backfill of a day loads what that day had).

    Returns the report; it is not ``trusted`` when a file was quarantined whole or went over
    the reject ratio (the contract's, unless ``max_reject_ratio`` is given). ``fast=False``
    checks every line with the line validator (same result, slower: fast_path.py).
    """
    with warehouse.exclusive(), ingest_memory(warehouse.validator):
        return _ingest(
            bucket,
            warehouse,
            source,
            tables,
            verify,
            max_reject_ratio,
            on_plan,
            on_file,
            until,
            fast,
        )


def _ingest(
    bucket: Bucket,
    warehouse: Warehouse,
    source: str,
    tables: list[str] | None,
    verify: bool,
    max_reject_ratio: float | None,
    on_plan: Callable[[int], None] | None,
    on_file: Callable[[FileResult], None] | None,
    until: date | None,
    fast: bool,
) -> IngestReport:
    contract = load_contract(source)
    ensure_schema(warehouse, contract)
    ratio = contract.max_reject_ratio if max_reject_ratio is None else max_reject_ratio
    report = IngestReport(run_id=uuid.uuid4().hex[:16])
    history.repair(bucket, warehouse, contract.source)  # what a crash left (history.py)
    pending = list_new_files(bucket, warehouse, contract, tables, verify, report.ignored)
    if until is not None:
        last = until.isoformat()
        pending = [f for f in pending if f.file_dt is None or f.file_dt <= last]
    if on_plan:
        on_plan(len(pending))
    batches = _batches(pending, list(contract.tables))
    for result in _ingest_batches(bucket, warehouse, contract, batches, report.run_id, ratio, fast):
        if result.status != "skipped":
            report.files.append(result)
        if on_file:
            on_file(result)
    return report


def _batches(files: list[LandedFile], table_order: list[str]) -> Iterator[list[LandedFile]]:
    for table in table_order:
        batch: list[LandedFile] = []
        size = 0
        for landed in (f for f in files if f.table == table):
            if batch and size + landed.size > BATCH_BYTES:
                yield batch
                batch, size = [], 0
            batch.append(landed)
            size += landed.size
        if batch:
            yield batch


def _ingest_batches(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    batches: Iterator[list[LandedFile]],
    run_id: str,
    max_reject_ratio: float,
    fast: bool,
) -> Iterator[FileResult]:
    """Each batch's files, read, checked and loaded in order; their results, batch by batch.

    When the warehouse is not the validator's database (PostgreSQL), the next batch is
    checked on a DuckDB connection of its own while this one is written: the server's COPY
    and the validator's check use a core each (decision 0053). Each batch still commits
    alone and in order; a check whose plan of undeclared columns the batch before changed
    is done again."""
    if warehouse.validator_is_warehouse:
        for files in batches:
            yield from ingest_files(
                bucket, warehouse, contract, files, run_id, max_reject_ratio, fast
            )
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check") as checker:
        waiting: _ReadBatch | None = None
        for files in batches:
            read = _read_batch(bucket, warehouse, contract, files, run_id)
            if read.files:
                extras, _ = _plan_columns(warehouse, contract, read.table, read.files)
                con = warehouse.validator.cursor()
                con.execute("set enable_progress_bar = false").fetchall()
                read.checking = checker.submit(_check_aside, con, contract, read, extras, fast)
            if waiting is not None:
                yield from _load_batch_read(
                    bucket, warehouse, contract, waiting, run_id, max_reject_ratio, fast
                )
            waiting = read
        if waiting is not None:
            yield from _load_batch_read(
                bucket, warehouse, contract, waiting, run_id, max_reject_ratio, fast
            )


def ingest_files(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    files: list[LandedFile],
    run_id: str,
    max_reject_ratio: float,
    fast: bool = True,
) -> list[FileResult]:
    """Validate and load files of one table exactly once (see the module docstring).

    A file whose processing raises is a poison pill: the batch is retried file by file, and
    the file that fails on its own is quarantined whole with the error, so the next run
    moves on (``shopsight quarantine readmit`` brings it back once the cause is fixed).
    """
    read = _read_batch(bucket, warehouse, contract, files, run_id)
    return _load_batch_read(bucket, warehouse, contract, read, run_id, max_reject_ratio, fast)


@dataclass
class _ReadBatch:
    """A batch's files as read: every file's result (skipped and quarantined ones
    included) and the readable ones' text, by their index among the results; with the
    check started aside, if it was."""

    table: Table
    results: list[FileResult]
    files: dict[int, _ReadFile]
    checking: Future[_Checked] | None = None


def _read_batch(
    bucket: Bucket, warehouse: Warehouse, contract: Contract, files: list[LandedFile], run_id: str
) -> _ReadBatch:
    """Read a batch's files; a file already loaded is skipped, one that cannot be read is
    quarantined whole (in a transaction of its own)."""
    table = contract.table(files[0].table)
    recorded = _ledger_of(warehouse, contract.source, [f.key for f in files])
    results: list[FileResult] = []
    readable: dict[int, _ReadFile] = {}
    # Stamped before the reads: an object written after this instant is read again.
    started = datetime.now(UTC).replace(tzinfo=None)
    contents = bucket.read_many([landed.key for landed in files])
    for landed in files:
        data = contents[landed.key]
        if isinstance(data, Exception):
            raise data
        result = _new_result(contract, landed, data, started)
        results.append(result)
        if (landed.key, result.checksum) in recorded:
            result.status = "skipped"
            continue
        try:
            _refuse_changed_redelivery(recorded, landed.key, result.checksum)
            text, layout = read_text(contract, table, landed.key, data)
            failpoint("ingest.after_read")
            header = contract.format.header
            readable[len(results) - 1] = _ReadFile(result, data, text, layout, header)
        except FileRejected as rejection:
            _quarantine_file(bucket, warehouse, result, data, rejection, run_id)
        except Exception as error:  # noqa: BLE001 - a poison pill, kept with its error
            _quarantine_file(bucket, warehouse, result, data, _failure(error), run_id)
    return _ReadBatch(table, results, readable)


def _load_batch_read(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    read: _ReadBatch,
    run_id: str,
    max_reject_ratio: float,
    fast: bool,
) -> list[FileResult]:
    """Load a read batch's readable files in one transaction; on a failure before the
    commit, each alone. A failure after it is not retried: the files are loaded, and the
    error says so (:class:`FailedAfterCommit`)."""
    table, results, readable = read.table, read.results, read.files
    if not readable:
        return results
    checked = _finished_check(read.checking)
    try:
        _load_files(
            bucket, warehouse, contract, table, readable, run_id, max_reject_ratio, fast, checked
        )
    except Exception as error:  # noqa: BLE001 - find the file that fails on its own
        _refuse_retry_if_committed(warehouse, readable, error)
        for index, one in readable.items():
            results[index] = one.result = _fresh(one.result)
            try:
                alone = {index: one}
                _load_files(
                    bucket, warehouse, contract, table, alone, run_id, max_reject_ratio, fast
                )
            except Exception as error:  # noqa: BLE001 - a poison pill, kept with its error
                _refuse_retry_if_committed(warehouse, alone, error)
                results[index] = _fresh(one.result)
                _quarantine_file(
                    bucket, warehouse, results[index], one.data, _failure(error), run_id
                )
    return results


class FailedAfterCommit(RuntimeError):
    """A batch's transaction committed (its rows and ledger rows are in the warehouse), then
    a later step failed, such as moving its Parquet history into the layout. Nothing is lost
    and nothing may be loaded twice: the next ingest skips the files and publishes what the
    failure left staged (``history.repair``)."""


def _refuse_retry_if_committed(
    warehouse: Warehouse, files: dict[int, _ReadFile], error: Exception
) -> None:
    """Raise :class:`FailedAfterCommit` when the ledger holds the files' loads: the failure
    came after their commit, so loading them again, or quarantining them, would be wrong."""
    ids = [read.result.ingest_id for read in files.values()]
    marks = ", ".join("?" for _ in ids)
    try:
        ((committed,),) = warehouse.query(
            f"select count(*) from {OPS_SCHEMA}.ingest_ledger where ingest_id in ({marks})", ids
        )
    except Exception:  # noqa: BLE001 - the warehouse cannot say: the retry finds out
        return
    if not committed:
        return
    first = next(iter(files.values())).result
    cause = redact(str(error).strip().splitlines()[0] if str(error).strip() else "")
    raise FailedAfterCommit(
        f"{first.source}.{first.table}: {committed} of {len(ids)} file(s) were loaded and "
        f"committed, then a later step failed ({type(error).__name__}: {cause}). Nothing is "
        "lost; the next `shopsight ingest` skips them and moves their Parquet history into "
        "the bucket's layout."
    ) from error


@dataclass
class _ReadFile:
    """A landed file's text, waiting for validation."""

    result: FileResult
    data: bytes
    text: bytes
    layout: Layout
    header: bool

    @cached_property
    def data_lines(self) -> int:
        return data_line_count(self.text, self.header)

    def lines(self, index: int, numbers: list[int] | None = None) -> pa.Table:
        """The file's data lines as the validator reads them (only ``numbers``, if given)."""
        if numbers is not None:
            return pick_lines(self.text, numbers, file_index=index)
        lines = split_lines(self.text, file_index=index)
        return lines.slice(1) if self.header and lines.num_rows else lines


def read_text(contract: Contract, table: Table, key: str, data: bytes) -> tuple[bytes, Layout]:
    """The file's text, and where its fields sit (a header maps them by name).

    Raises:
        FileRejected: the whole file cannot be read (its compression, encoding or header).
    """
    fmt = contract.format
    # Spreadsheet tools start a UTF-8 export with a byte-order mark: it is not part of the
    # first field (nor of the header's first name).
    text = decompress(key, data, InflationLimits.of(fmt)).removeprefix(UTF8_BOM)
    layout = Layout.declared(table)
    if fmt.header and text:
        end = text.find(b"\n")
        first = text[: end if end >= 0 else len(text)]
        header = first.decode("utf-8", errors="backslashreplace").rstrip("\r\n")
        layout = Layout.from_header(table, header, fmt.delimiter, fmt.quote, fmt.max_columns)
    return text, layout


def read_lines(
    contract: Contract, table: Table, key: str, data: bytes, file_index: int = 0
) -> tuple[pa.Table, Layout]:
    """The file's data lines, and where their fields sit (see :func:`read_text`)."""
    text, layout = read_text(contract, table, key, data)
    result = FileResult("", contract.source, table.name, key, "", len(data), None)
    read = _ReadFile(result, data, text, layout, contract.format.header)
    return read.lines(file_index), layout


def _load_files(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    files: dict[int, _ReadFile],
    run_id: str,
    max_reject_ratio: float,
    fast: bool,
    checked: _Checked | None = None,
) -> None:
    """Validate, stage and write files read together, in one transaction (``checked``:
    their check, done aside on a connection of its own, used if its plan still holds)."""
    with _batch_checked(warehouse, contract, table, files, fast, checked) as (checked, new_columns):
        extras, repeats, counts, rejected = (
            checked.extras,
            checked.repeats,
            checked.counts,
            checked.rejected,
        )
        failpoint("ingest.after_validate")
        finished = load_stamp(warehouse)
        batch = {index: read.result for index, read in files.items()}
        for index, result in batch.items():
            _apply_counts(result, counts.get(index), max_reject_ratio, finished)
            _note_drift(result, files[index].layout)
        rejects = {
            index: (batch[index].path, batch[index].checksum, rows)
            for index, rows in rejected.items()
            if index in batch
        }
        for index, key in write_rejected_rows_of(bucket, rejects).items():
            batch[index].quarantine_object = key
        drift = [
            [result.ingest_id, result.source, result.table, name, kind, result.path, result.file_dt]
            for index, result in batch.items()
            for kind, names in _drift_of(files[index].layout).items()
            for name in names
        ]
        with (
            columns_for_batch(warehouse, contract, table, new_columns) as add_columns,
            warehouse.transaction(),
        ):
            add_columns()
            stage_batch(warehouse, contract, table, batch, extras)
            failpoint("ingest.after_stage")
            rows = "select * from _batch"
            with history.writing_pending(bucket, warehouse.validator, rows, batch.values()):
                load_batch(
                    warehouse,
                    contract,
                    table,
                    list(batch.values()),
                    run_id,
                    extras,
                    repeats.in_batch,
                )
                if drift:
                    warehouse.insert_rows(f"{OPS_SCHEMA}.column_drift", DRIFT_COLUMNS, drift)
            failpoint("ingest.before_commit")
        failpoint("ingest.after_commit")
        history.publish(bucket, batch.values())


@contextmanager
def _batch_checked(
    warehouse: Warehouse,
    contract: Contract,
    table: Table,
    files: dict[int, _ReadFile],
    fast: bool,
    checked: _Checked | None,
) -> Iterator[tuple[_Checked, list[str]]]:
    """The batch's check (the one done aside if its plan of undeclared columns still holds,
    else one done now) and the columns to add, with the check's connection lent to the
    warehouse as its validator for the block, and closed after it if it was its own."""
    extras, new_columns = _plan_columns(warehouse, contract, table, files)
    if checked is None or checked.extras != extras:
        if checked is not None:
            checked.connection.close()
        checked = _check(warehouse.validator, contract, table, files, extras, fast)
    try:
        with warehouse.validating_on(checked.connection):
            yield checked, new_columns
    finally:
        if checked.connection is not warehouse.validator:
            checked.connection.close()


@dataclass
class _Checked:
    """A batch's check: the validator connection holding its ``_checked`` rows, the
    undeclared columns it was checked with, and what the check counted."""

    connection: Any
    extras: list[str]
    repeats: KeyRepeats
    counts: dict[int, Any]
    rejected: dict[int, list[dict[str, Any]]]


def _plan_columns(
    warehouse: Warehouse, contract: Contract, table: Table, files: dict[int, _ReadFile]
) -> tuple[list[str], list[str]]:
    undeclared = [name for f in files.values() for name, _ in f.layout.extras]
    return plan_landing_columns(warehouse, contract, table, undeclared)


def _check_aside(
    con: Any, contract: Contract, read: _ReadBatch, extras: list[str], fast: bool
) -> _Checked:
    """Check a read batch on ``con``, a connection of its own to the validator's database,
    from a worker thread that touches nothing else: ``extras`` was planned, and ``con``
    opened, by the thread that writes (which meanwhile lends its batch's connection to the
    warehouse as ``validator``)."""
    try:
        return _check(con, contract, read.table, read.files, extras, fast)
    except BaseException:
        con.close()
        raise


def _finished_check(checking: Future[_Checked] | None) -> _Checked | None:
    """The check done aside, or None when there was none or it failed (the batch is then
    checked again where a failure is handled: file by file, as poison pills)."""
    if checking is None:
        return None
    try:
        return checking.result()
    except Exception:  # noqa: BLE001 - raised again by the check done in place
        return None


def _check(
    con: Any,
    contract: Contract,
    table: Table,
    files: dict[int, _ReadFile],
    extras: list[str],
    fast: bool,
) -> _Checked:
    """Check a batch on ``con`` into ``_checked``: DuckDB's reader first where it may
    (fast_path.py), the line validator for the rest; then count it per file."""
    fmt = contract.format
    con.execute("drop table if exists _checked").fetchall()
    texts = [
        FileText(index, read.text, read.layout, read.data_lines)
        for index, read in files.items()
        if fast and can_read_fast(fmt, read.text, read.data_lines)
    ]
    leftovers = check_fast(con, table, fmt, texts, extras) if texts else {}
    leftovers.update({i: None for i in files if i not in {t.index for t in texts}})
    lines = [files[i].lines(i, numbers) for i, numbers in sorted(leftovers.items())]
    if lines or not texts:
        empty = split_lines(b"")
        layouts = {index: read.layout for index, read in files.items()}
        validate_lines(con, contract, table, pa.concat_tables(lines or [empty]), layouts, extras)
    repeats = finish_checks(con, table)
    _fill_rejected_lines(con, files)
    counts = count_checked(con, table, repeats.in_file)
    return _Checked(con, extras, repeats, counts, rejected_lines(con))


def _fill_rejected_lines(con: Any, files: dict[int, _ReadFile]) -> None:
    """The fast path keeps no text of the rows it types: a rejected one gets its line from
    the file, as the validator shows it."""
    wanted: dict[int, list[int]] = {}
    for index, number in con.execute(
        "select file_index, line_number from _checked where problem is not null and line is null"
    ).fetchall():
        wanted.setdefault(index, []).append(number)
    if not wanted:
        return
    lines = pa.concat_tables(files[i].lines(i, numbers) for i, numbers in wanted.items())
    con.register("_rejected_lines", lines)
    try:
        con.execute(
            "update _checked set line = rtrim(r.line_with_newline, chr(13) || chr(10)) "
            "from _rejected_lines as r where _checked.file_index = r.file_index "
            "and _checked.line_number = r.line_number and _checked.line is null"
        ).fetchall()
    finally:
        con.unregister("_rejected_lines")


def _drift_of(layout: Layout) -> dict[str, list[str]]:
    return {"undeclared": [name for name, _ in layout.extras], "missing": list(layout.missing)}


def _note_drift(result: FileResult, layout: Layout) -> None:
    """Count a file's drift among its warnings (each affects every row it holds)."""
    for kind, names in _drift_of(layout).items():
        for name in names:
            if result.rows_read:
                result.warnings[f"{kind}_column:{name}"] = result.rows_read


def _fresh(result: FileResult) -> FileResult:
    """The file's result as before any attempt to load it."""
    return FileResult(
        ingest_id=result.ingest_id,
        source=result.source,
        table=result.table,
        path=result.path,
        checksum=result.checksum,
        size_bytes=result.size_bytes,
        file_dt=result.file_dt,
        started_at=result.started_at,
        fingerprint=result.fingerprint,
    )


def _failure(error: Exception) -> FileRejected:
    """An unexpected error as the reason a file is kept aside (first line, no secrets)."""
    text = redact(str(error).strip().splitlines()[0] if str(error).strip() else "")
    return FileRejected("processing_error", f"{type(error).__name__}: {text}"[:1000])


def _new_result(
    contract: Contract, landed: LandedFile, data: bytes, started: datetime
) -> FileResult:
    checksum = hashlib.sha256(data).hexdigest()
    return FileResult(
        ingest_id=hashlib.sha256(f"{landed.key}\n{checksum}".encode()).hexdigest()[:32],
        source=contract.source,
        table=landed.table,
        path=landed.key,
        checksum=checksum,
        size_bytes=len(data),
        file_dt=landed.file_dt,
        started_at=started,
        fingerprint=fingerprint_of_bytes(data, landed.etag),
    )


def _apply_counts(
    result: FileResult, counts: Any, max_reject_ratio: float, finished: datetime
) -> None:
    result.finished_at = finished
    if counts is None:  # no lines at all
        result.warnings["empty_file"] = 1
        return
    result.rows_read, result.rows_rejected = counts.rows_read, counts.rows_rejected
    result.rows_loaded = counts.rows_read - counts.rows_rejected
    result.rejects_by_reason = counts.rejects_by_reason
    result.warnings.update(counts.warnings)
    result.over_reject_ratio = result.rows_rejected / result.rows_read > max_reject_ratio


def load_stamp(warehouse: Warehouse) -> datetime:
    """The time a batch is stamped with (its rows' `_loaded_at`, its ledger rows'
    `finished_at`): now, to the microsecond, and later than every stamp before it.

    The incremental models read what loaded after the latest stamp they have seen
    (dbt/macros/loaded_after_watermark.sql), so no batch may share a stamp with one before
    it. One batch writes at a time (decision 0005), so the ledger's latest stamp is the
    last one given."""
    now = datetime.now(UTC).replace(tzinfo=None)
    ((last,),) = warehouse.query(f"select max(finished_at) from {OPS_SCHEMA}.ingest_ledger")
    return max(now, last + timedelta(microseconds=1)) if last is not None else now


def _ledger_of(warehouse: Warehouse, source: str, paths: list[str]) -> dict[tuple[str, str], str]:
    """(path, checksum) → status for the ledger rows of these paths."""
    wanted = set(paths)
    rows = warehouse.query(
        f"select path, checksum, status from {OPS_SCHEMA}.ingest_ledger where source = ?", [source]
    )
    return {(path, checksum): status for path, checksum, status in rows if path in wanted}


def _refuse_changed_redelivery(
    recorded: dict[tuple[str, str], str], path: str, checksum: str
) -> None:
    for (seen_path, seen_checksum), status in recorded.items():
        if seen_path == path and status == "loaded" and seen_checksum != checksum:
            raise FileRejected(
                "redelivered_with_new_content",
                f"this path was loaded before with checksum {seen_checksum[:12]}; the new "
                f"content ({checksum[:12]}) is kept aside until someone decides which is right",
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
    failpoint("ingest.quarantine_object_written")
    result.status, result.reason, result.message = (
        "quarantined",
        rejection.reason,
        rejection.message,
    )
    result.finished_at = load_stamp(warehouse)
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
        record_files(warehouse, [result], run_id)
        failpoint("ingest.before_quarantine_commit")
