"""Helpers shared by unit and integration tests: a small faulty store and the checks of
the ingestion guarantees against it."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import uuid
from datetime import date

from shopsight.generate.export import generate_retail_db
from shopsight.generate.summary import GenerationSummary
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

START = date(2024, 3, 1)


def shopsight(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the ``shopsight`` command in a new process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "shopsight", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def fresh_bucket() -> Bucket:
    return Bucket(f"memory://test-{uuid.uuid4().hex[:10]}")


def spooled_event(event_id: str, received_at: str, tag: str = "InTransit") -> bytes:
    """One line of a webhook spool segment as the receiver lands it."""
    body = {
        "event_id": event_id,
        "event": "tracking_update",
        "ts": 1717236000,
        "msg": {
            "id": "t1",
            "tracking_number": "1Z1",
            "slug": "ups",
            "tag": tag,
            "updated_at": "2024-06-01T10:00:00+00:00",
        },
    }
    return json.dumps({"received_at": received_at, "body": body}).encode() + b"\n"


def landed_csv_rows(bucket: Bucket, key: str) -> list[list[str]]:
    """A landed CSV file's rows as the csv module reads them (gunzipped for ``.gz``); none
    for a file the loader could not read either (a truncated gzip)."""
    data = bucket.read_bytes(key)
    try:
        text = (gzip.decompress(data) if key.endswith(".gz") else data).decode()
    except (OSError, EOFError, UnicodeDecodeError):
        return []
    return list(csv.reader(io.StringIO(text)))


def generate_small_store(
    bucket: Bucket, faults: str = "default", days: int = 12, orders: int = 1500, seed: int = 11
) -> GenerationSummary:
    return generate_retail_db(bucket, START, days, orders, seed, faults)


RULE_WARNINGS = {"out_of_range", "not_accepted_value", "pattern_mismatch", "subtotal_mismatch"}


def assert_every_fault_handled(warehouse: Warehouse, summary: GenerationSummary) -> None:
    """Each injected fault produced exactly the outcome its manifest entry names."""
    ledger = {
        path: (status, reason, warnings)
        for path, status, reason, warnings in warehouse.query(
            "select path, status, reason, warnings from shopsight_ops.ingest_ledger"
        )
    }
    quarantine = {
        (path, line): (reason, column)
        for path, line, reason, column in warehouse.query(
            "select path, line_number, reason, column_name from shopsight_ops.quarantine"
        )
    }
    row_warnings = set(
        warehouse.query(
            "select path, line_number, reason, column_name from shopsight_ops.row_warnings"
        )
    )
    assert summary.faults, "the generator injected no faults"
    for fault in summary.faults:
        status, reason, warnings = ledger[fault.path]
        if fault.outcome == "file_quarantined":
            assert (status, reason) == ("quarantined", fault.reason), fault
        elif fault.outcome == "rejected":
            assert quarantine[(fault.path, fault.line)] == (fault.reason, fault.column), fault
        elif fault.outcome == "warning":
            assert fault.reason in {code.split(":")[0] for code in json.loads(warnings)}, fault
            assert (fault.path, fault.line) not in quarantine, fault
            if fault.reason in RULE_WARNINGS:  # a broken rule is kept row by row
                assert (fault.path, fault.line, fault.reason, fault.column) in row_warnings, fault
        else:
            assert status == "loaded" and (fault.path, fault.line) not in quarantine, fault


def assert_rows_conserved(warehouse: Warehouse) -> None:
    """rows_read = rows_loaded + rows_rejected per file, and the tables agree with the ledger."""
    for path, read, loaded, rejected, table in warehouse.query(
        "select path, rows_read, rows_loaded, rows_rejected, table_name "
        "from shopsight_ops.ingest_ledger"
    ):
        assert read == loaded + rejected, path
        in_history = warehouse.query(
            f"select count(*) from retail_db.{table}_history where _file_path = ?", [path]
        )[0][0]
        in_quarantine = warehouse.query(
            "select count(*) from shopsight_ops.quarantine "
            "where path = ? and line_number is not null",
            [path],
        )[0][0]
        assert (in_history, in_quarantine) == (loaded, rejected), path


def web_shop_without_user_ids(bucket: Bucket, start: date, days: int, lost: date) -> str:
    """A 1,000-user web shop whose events of day ``lost`` arrive without the visitor's id
    (a tracking-tag change; the contract allows anonymous events). Returns that file."""
    from shopsight.generate.thelook_export import generate_thelook

    generate_thelook(bucket, start, days, 1000, 5, "none")
    key = f"landing/thelook/events/dt={lost.isoformat()}/part-00000.csv"
    header, *rows = list(csv.reader(io.StringIO(bucket.read_bytes(key).decode())))
    for row in rows:
        row[header.index("user_id")] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    bucket.write_bytes(key, out.getvalue().encode())
    return key
