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

import glob
import os
import tempfile
from collections.abc import Iterable
from typing import Any

from shopsight.failpoints import failpoint
from shopsight.ingest.batch import FileResult
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

HISTORY = "history"
PENDING = "staging/history"
WITHDRAWN = "withdrawn/history"


def history_key(source: str, table: str, file_dt: str | None, ingest_id: str) -> str:
    """Where a committed load's rows live in the bucket."""
    return f"{HISTORY}/{source}/{table}/dt={file_dt or 'unknown'}/{ingest_id}.parquet"


def _moved(key: str, prefix: str) -> str:
    return f"{prefix}/{key.removeprefix(HISTORY + '/')}"


def write_pending(
    bucket: Bucket, validator: Any, rows_sql: str, files: Iterable[FileResult]
) -> None:
    """Write each file's valid rows (``rows_sql``: the staged batch, one column
    ``_ingest_id`` among them) as Parquet under ``staging/history/``: invisible to readers
    until :func:`publish`. One partitioned write for the whole batch (a query per file
    scanned the batch once per file)."""
    with tempfile.TemporaryDirectory(prefix="shopsight-history-") as folder:
        out = os.path.join(folder, "out")
        validator.execute(
            f"copy ({rows_sql}) to '{out}' "
            "(format parquet, compression zstd, partition_by (_ingest_id), "
            "write_partition_columns true)"
        ).fetchall()
        for result in files:
            parts = sorted(glob.glob(os.path.join(out, f"_ingest_id={result.ingest_id}", "*")))
            local = os.path.join(folder, f"{result.ingest_id}.parquet")
            if len(parts) == 1:
                local = parts[0]
            else:  # no rows (an empty file) or several parts: one object, the batch's schema
                source = f"read_parquet({parts!r})" if parts else f"({rows_sql}) rows where false"
                validator.execute(
                    f"copy (select * from {source}) to '{local}' (format parquet, compression zstd)"
                ).fetchall()
            key = history_key(result.source, result.table, result.file_dt, result.ingest_id)
            with open(local, "rb") as handle:
                bucket.write_bytes(_moved(key, PENDING), handle.read())
    failpoint("ingest.history_pending")


def publish(bucket: Bucket, files: Iterable[FileResult]) -> None:
    """Move committed loads' objects into the layout (after the warehouse commit)."""
    for result in files:
        key = history_key(result.source, result.table, result.file_dt, result.ingest_id)
        bucket.move(_moved(key, PENDING), key)


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
    for info in staged:
        ingest_id = info.key.rsplit("/", 1)[-1].removesuffix(".parquet")
        if ingest_id in committed:
            bucket.move(info.key, HISTORY + info.key.removeprefix(PENDING))
            done["published"] += 1
        else:
            bucket.delete(info.key)
            done["deleted"] += 1
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
