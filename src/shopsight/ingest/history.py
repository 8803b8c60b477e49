"""The loaded history as open Parquet in the bucket: the contract between ingestion and
every engine (DuckDB, Spark, Trino, pandas), readable without the warehouse.

Layout (docs/ingestion.md, "The history in the bucket"):

    history/<source>/<table>/dt=<day>/<ingest_id>.parquet

one object per loaded landed file (a re-admitted file or row is a load of its own), its
valid rows typed as the contract says, undeclared columns as text, and the lineage
columns ``_ingest_id``, ``_file_path``, ``_file_dt``, ``_line_number``, ``_loaded_at``.

Readers see only committed loads. A load's object is written under ``staging/history/...``
(outside the layout) before the warehouse transaction commits, and moved into the layout
after it has; :func:`repair` (at the start of every ingest) moves what a crash left
between the two and deletes what belongs to a load that never committed. A withdrawn file's
object moves to ``withdrawn/history/...`` and back when it is restored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopsight.failpoints import failpoint
from shopsight.ingest.batch import FileResult
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

HISTORY = "history"
PENDING = "staging/history"
WITHDRAWN = "withdrawn/history"
MAX_RUNS = 20_000  # runs of one file's rows in a batch before it is sorted instead


def history_key(source: str, table: str, file_dt: str | None, ingest_id: str) -> str:
    """Where a committed load's rows live in the bucket."""
    return f"{HISTORY}/{source}/{table}/dt={file_dt or 'unknown'}/{ingest_id}.parquet"


def _moved(key: str, prefix: str) -> str:
    return f"{prefix}/{key.removeprefix(HISTORY + '/')}"


@contextmanager
def writing_pending(
    bucket: Bucket, validator: Any, rows_sql: str, files: Iterable[FileResult]
) -> Iterator[None]:
    """Write each file's valid rows (``rows_sql``: the staged batch, one column
    ``_ingest_id`` among them) as Parquet under ``staging/history/``, invisible to readers
    until :func:`publish`, while the block runs; leaving the block waits for the objects and
    raises the writer's failure, if any. The rows are read before the block starts, so the
    block has the validator connection to itself.

    The batch is read once as Arrow, split by file without sorting, and the files are
    written side by side, one thread per core (decision 0020: DuckDB's partitioned ``COPY``
    took 2.5x an unpartitioned one, a ``COPY`` per file scanned the batch per file). Written
    beside the warehouse's own writes, not after them (decision 0039).
    """
    rows = validator.sql(rows_sql).to_arrow_table()
    with ThreadPoolExecutor(max_workers=1) as runner:
        writer = runner.submit(_write_pending, bucket, rows, list(files))
        yield
        writer.result()  # re-raises the writer's failure; on the block's, the pool waits


def _write_pending(bucket: Bucket, rows: pa.Table, files: list[FileResult]) -> None:
    parts = _split_by_load(rows)
    encodings = _encodings(rows.schema)

    def write(result: FileResult) -> None:
        part = parts.get(result.ingest_id, rows.slice(0, 0))  # an empty file: no rows
        sink = pa.BufferOutputStream()
        pq.write_table(part, sink, **encodings)
        key = history_key(result.source, result.table, result.file_dt, result.ingest_id)
        bucket.write_bytes(_moved(key, PENDING), sink.getvalue().to_pybytes())

    # On S3 a write is mostly waiting for its request: more writers than cores.
    writers = (os.cpu_count() or 1) if bucket.protocol == "file" else 8
    with ThreadPoolExecutor(max_workers=writers) as pool:
        for _ in pool.map(write, files):  # re-raises the first failure
            pass
    failpoint("ingest.history_pending")


def _encodings(schema: pa.Schema) -> dict[str, Any]:
    """How each column is written: whole numbers, dates and times as deltas (ids and load
    times grow row by row), everything else by dictionary (a file's lineage is one value,
    prices and statuses repeat). At 1 M orders the order lines' history is 15.9 MB this way,
    43.9 MB with pyarrow's defaults and 25.0 MB as DuckDB writes it."""
    deltas = [
        field.name
        for field in schema
        if pa.types.is_integer(field.type)
        or pa.types.is_timestamp(field.type)
        or pa.types.is_date(field.type)
    ]
    return {
        "compression": "zstd",
        "store_decimal_as_integer": True,
        "use_dictionary": [field.name for field in schema if field.name not in deltas],
        "column_encoding": dict.fromkeys(deltas, "DELTA_BINARY_PACKED"),
    }


def _split_by_load(rows: pa.Table) -> dict[str, pa.Table]:
    """The batch's rows by ``_ingest_id``, without copying them: the staged batch comes in
    runs of one file's rows (a few per file, one per thread's share of the scan), and each
    file's runs are sliced and put together in the batch's order."""
    loads = rows.column("_ingest_id").combine_chunks()
    if not len(loads):
        return {}
    changes = pc.indices_nonzero(pc.not_equal(loads.slice(1), loads.slice(0, len(loads) - 1)))
    if len(changes) > MAX_RUNS:  # rows in no useful order: sort them once (stable)
        order = pc.sort_indices(loads)
        rows, loads = rows.take(order), loads.take(order)
        changes = pc.indices_nonzero(pc.not_equal(loads.slice(1), loads.slice(0, len(loads) - 1)))
    starts = [0, *(i + 1 for i in changes.to_pylist()), len(loads)]
    runs: dict[str, list[pa.Table]] = {}
    for begin, end in zip(starts, starts[1:], strict=False):
        runs.setdefault(loads[begin].as_py(), []).append(rows.slice(begin, end - begin))
    return {load: pa.concat_tables(parts) for load, parts in runs.items()}


def publish(bucket: Bucket, files: Iterable[FileResult]) -> None:
    """Move committed loads' objects into the layout (after the warehouse commit)."""
    keys = [history_key(f.source, f.table, f.file_dt, f.ingest_id) for f in files]
    bucket.move_many([(_moved(key, PENDING), key) for key in keys])


def repair(bucket: Bucket, warehouse: Warehouse, source: str) -> dict[str, int]:
    """Finish what a crash left: a staged object of a committed load is moved into the
    layout, one of a load that never committed is deleted; a withdrawn (or restored) file's
    object is put where its latest withdrawal says. Costs a listing of the staging folder
    and of the withdrawals, not of the history."""
    staged = bucket.list(f"{PENDING}/{source}/")
    committed: set[str] = set()
    if staged:
        ids = [info.key.rsplit("/", 1)[-1].removesuffix(".parquet") for info in staged]
        marks = ", ".join("?" for _ in ids)
        committed = {
            str(row[0])
            for row in warehouse.query(
                f"select ingest_id from {OPS_SCHEMA}.ingest_ledger "
                f"where ingest_id in ({marks}) and status in ('loaded', 'withdrawn')",
                ids,
            )
        }
    done = {"published": 0, "deleted": 0, "moved": 0}
    moves = []
    for info in staged:
        ingest_id = info.key.rsplit("/", 1)[-1].removesuffix(".parquet")
        if ingest_id in committed:
            moves.append((info.key, HISTORY + info.key.removeprefix(PENDING)))
        else:
            bucket.delete(info.key)
            done["deleted"] += 1
    bucket.move_many(moves)
    done["published"] = len(moves)
    for ingest_id, table, file_dt, status in warehouse.query(
        f"select l.ingest_id, l.table_name, l.file_dt, l.status "
        f"from {OPS_SCHEMA}.ingest_ledger l where l.source = ? and l.ingest_id in "
        f"(select ingest_id from {OPS_SCHEMA}.file_withdrawals)",
        [source],
    ):
        day = str(file_dt) if file_dt else None
        key = history_key(source, str(table), day, str(ingest_id))
        done["moved"] += place(bucket, key, withdrawn=status == "withdrawn")
    return done


def place(bucket: Bucket, key: str, withdrawn: bool) -> int:
    """Put a load's object in the layout, or out of it when its file is withdrawn; 1 if it
    moved."""
    source, target = (key, _moved(key, WITHDRAWN)) if withdrawn else (_moved(key, WITHDRAWN), key)
    if bucket.exists(source) and not bucket.exists(target):
        bucket.move(source, target)
        return 1
    return 0
