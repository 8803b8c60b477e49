"""Hostile or unlucky input never loses data and never blocks the next run (DuckDB; the
PostgreSQL side of the same guarantees is in tests/integration/test_postgres_and_s3.py)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date

import duckdb
import pytest

from shopsight import failpoints
from shopsight.contracts.model import load_contract
from shopsight.ingest.loader import FailedAfterCommit, ingest
from shopsight.ingest.reader import FileRejected, InflationLimits, decompress
from shopsight.ingest.readmit import ReadmitError, readmit
from shopsight.ingest.status import list_quarantine
from shopsight.storage import Bucket

from support import fresh_bucket, generate_small_store, shopsight, spooled_event

ORDERS_DAY = "landing/retail_db/orders/dt=2024-03-10/part-00000.csv"


def test_a_webhook_retried_within_one_file_loads_once(bucket, duckdb_warehouse) -> None:
    """AfterShip retries: two copies that differ only in their receive time are one event."""
    lines = spooled_event("e1", "2024-06-01T10:00:01+00:00") + spooled_event(
        "e1", "2024-06-01T10:00:02+00:00"
    )
    bucket.write_bytes("raw/aftership/webhooks/dt=2024-06-01/seg-1.jsonl.gz", gzip.compress(lines))
    report = ingest(bucket, duckdb_warehouse, source="aftership")
    assert report.trusted, report.to_json()
    [result] = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert result.warnings == {"duplicate_row": 1}
    current = duckdb_warehouse.query("select event_id from aftership.webhook_events")
    history = duckdb_warehouse.query("select count(*) from aftership.webhook_events_history")
    assert current == [("e1",)] and history == [(2,)]  # both copies kept in the history


def test_events_with_one_id_and_different_content_still_conflict(bucket, duckdb_warehouse) -> None:
    second = spooled_event("e1", "2024-06-01T10:00:02+00:00", tag="Delivered")
    lines = spooled_event("e1", "2024-06-01T10:00:01+00:00") + second
    bucket.write_bytes("raw/aftership/webhooks/dt=2024-06-01/seg-1.jsonl.gz", gzip.compress(lines))
    [result] = ingest(bucket, duckdb_warehouse, source="aftership").files
    assert result.rejects_by_reason == {"duplicate_key": 2}


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_a_changed_redelivery_of_the_same_size_is_noticed(scheme, tmp_path, duckdb_warehouse):
    """A re-export that turns COMPLETE into CANCELED keeps the file's size: it must still be
    read again and kept aside, and a file rewritten with the same bytes is not loaded twice."""
    bucket = Bucket(f"file://{tmp_path}/bucket") if scheme == "file" else fresh_bucket()
    generate_small_store(bucket, faults="none")
    ingest(bucket, duckdb_warehouse)
    assert ingest(bucket, duckdb_warehouse).files == []  # nothing new: nothing read again
    original = bucket.read_bytes(ORDERS_DAY)
    changed = original.replace(b"COMPLETE", b"CANCELED", 1)
    assert changed != original and len(changed) == len(original)
    key = ORDERS_DAY.replace("dt=2024-03-10", "dt=2024-03-11")
    bucket.write_bytes(key, bucket.read_bytes(key))  # rewritten, same bytes
    bucket.write_bytes(ORDERS_DAY, changed)
    report = ingest(bucket, duckdb_warehouse)
    [kept] = report.files
    assert (kept.path, kept.status, kept.reason) == (
        ORDERS_DAY,
        "quarantined",
        "redelivered_with_new_content",
    )
    assert not report.trusted
    rows = duckdb_warehouse.query(
        "select count(*) from shopsight_ops.ingest_ledger where path = ?", [key]
    )
    assert rows == [(1,)]  # the same bytes again are skipped, not loaded twice


def test_a_nul_byte_is_a_row_reject_and_the_rest_loads(bucket, duckdb_warehouse) -> None:
    generate_small_store(bucket, faults="none")
    original = bucket.read_bytes(ORDERS_DAY)
    first, rest = original.split(b"\n", 1)
    bucket.write_bytes(ORDERS_DAY, first.replace(b",", b",\x00", 1) + b"\n" + rest)
    report = ingest(bucket, duckdb_warehouse)
    [held] = list_quarantine(duckdb_warehouse, reason="nul_character")
    assert held["line"] == 1 and "\x00" not in held["raw"]
    assert all(f.status == "loaded" for f in report.files)
    # Re-admitted as delivered, the line is refused again (not loaded as escaped text).
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]])
    assert again.rejects_by_reason == {"nul_character": 1}


@pytest.mark.parametrize(
    ("inflated", "compressed_to", "reason"),
    [(3 << 20, "any", "max_inflated_bytes"), (64 << 20, "small", "max_inflation_ratio")],
)
def test_a_decompression_bomb_is_refused_before_it_fills_memory(
    inflated: int, compressed_to: str, reason: str
) -> None:
    bomb = gzip.compress(b"\0" * inflated)
    limits = InflationLimits(max_bytes=2 << 20, max_ratio=100, ratio_after_bytes=1 << 20)
    if reason == "max_inflation_ratio":
        limits = InflationLimits(max_bytes=1 << 30, max_ratio=100, ratio_after_bytes=1 << 20)
    with pytest.raises(FileRejected, match=reason) as caught:
        decompress("bomb.csv.gz", bomb, limits)
    assert caught.value.reason == "decompression_limit"


def test_concatenated_gzip_members_and_trailing_garbage() -> None:
    assert decompress("x.gz", gzip.compress(b"a\n") + gzip.compress(b"b\n")) == b"a\nb\n"
    with pytest.raises(FileRejected, match="trailing garbage"):
        decompress("x.gz", gzip.compress(b"a\n") + b"junk")


def test_a_bomb_landed_is_quarantined_whole_and_the_next_run_moves_on(
    bucket, duckdb_warehouse
) -> None:
    generate_small_store(bucket, faults="none")
    limit = load_contract("retail_db").format.max_inflation_ratio
    size = 64 << 20
    assert size > limit * len(gzip.compress(b"1" * size))  # this file is a bomb by ratio
    key = "landing/retail_db/orders/dt=2024-03-11/part-00001.csv.gz"
    bucket.write_bytes(key, gzip.compress(b"1" * size))
    report = ingest(bucket, duckdb_warehouse)
    [bomb] = report.quarantined_files
    assert (bomb.path, bomb.reason) == (key, "decompression_limit")
    kept = bucket.list("quarantine/")
    assert kept and all(info.size < (1 << 20) for info in kept)  # the compressed copy only
    assert ingest(bucket, duckdb_warehouse).files == []  # ledgered: the next run moves on


@pytest.mark.parametrize(
    "point",
    [
        "ingest.after_read",
        "ingest.after_validate",
        "ingest.after_stage",
        "ingest.history_pending",  # raised in the Parquet writer, beside the warehouse's writes
        "ingest.before_commit",
    ],
)
def test_a_file_failing_at_any_stage_is_quarantined_and_the_next_run_completes(
    bucket, duckdb_warehouse, point: str
) -> None:
    generate_small_store(bucket, faults="none")
    clean = ingest(bucket, duckdb_warehouse, tables=["departments"])
    assert clean.trusted
    failpoints.arm(f"{point}:raise")
    try:
        poisoned = ingest(bucket, duckdb_warehouse, tables=["categories"])
    finally:
        failpoints.arm(None)
    assert poisoned.files and all(f.status == "quarantined" for f in poisoned.files)
    assert {f.reason for f in poisoned.files} == {"processing_error"}
    assert all(f"fail point {point}" in (f.message or "") for f in poisoned.files)
    assert duckdb_warehouse.query("select count(*) from retail_db.categories") == [(0,)]
    after = ingest(bucket, duckdb_warehouse)  # the next run completes and skips them
    assert all(f.status == "loaded" for f in after.files) and after.files
    ids = [row["id"] for row in list_quarantine(duckdb_warehouse, reason="processing_error")]
    assert len(ids) == len(poisoned.files)
    readmitted = readmit(bucket, duckdb_warehouse, ids)
    assert all(f.status == "loaded" for f in readmitted)
    loaded = duckdb_warehouse.query("select count(*) from retail_db.categories")[0][0]
    assert loaded == sum(f.rows_loaded for f in readmitted) > 0


def test_a_failure_after_the_commit_is_not_retried_and_the_next_run_finishes(
    bucket, duckdb_warehouse
) -> None:
    """A batch that committed is loaded: a step failing after the commit (here its fail
    point; in life, moving its Parquet into the layout) must not retry it file by file,
    which the ledger's key refuses, or quarantine files that are loaded."""
    generate_small_store(bucket, faults="none", days=3)
    failpoints.arm("ingest.after_commit:raise")
    try:
        with pytest.raises(FailedAfterCommit, match=r"departments: 3 of 3 file\(s\) were loaded"):
            ingest(bucket, duckdb_warehouse, tables=["departments"])
    finally:
        failpoints.arm(None)
    ledger = "select status, count(*) from shopsight_ops.ingest_ledger group by all"
    assert duckdb_warehouse.query(ledger) == [("loaded", 3)]
    assert duckdb_warehouse.query("select count(*) from shopsight_ops.quarantine") == [(0,)]
    assert len(bucket.list("staging/history/retail_db/departments/")) == 3
    assert bucket.list("history/retail_db/departments/") == []

    after = ingest(bucket, duckdb_warehouse)  # skips them and publishes their history
    assert after.trusted and after.files
    assert "departments" not in {f.table for f in after.files}
    assert bucket.list("staging/history/") == []
    assert len(bucket.list("history/retail_db/departments/")) == 3


def test_the_command_says_in_one_line_that_the_committed_files_are_loaded(tmp_path) -> None:
    bucket = f"file://{tmp_path}/bucket"
    generate_small_store(Bucket(bucket), faults="none", days=3)
    store = ["--bucket", bucket, "--warehouse", f"duckdb:///{tmp_path}/wh.duckdb"]
    env = {**os.environ, "SHOPSIGHT_FAILPOINT": "ingest.after_commit:2:raise"}
    failed = shopsight("ingest", *store, "--source", "retail_db", env=env)
    assert failed.returncode == 2, failed.stderr
    [line] = [text for text in failed.stderr.splitlines() if text.startswith("error:")]
    assert "retail_db.categories: 3 of 3 file(s) were loaded and committed" in line
    assert "Traceback" not in failed.stderr and "unexpected" not in failed.stderr
    again = shopsight("ingest", *store, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["files_loaded"] == 12  # the 18 files less the 6 loaded


def test_rows_refused_in_a_transaction_fail_with_the_refusal_not_a_later_error(
    duckdb_warehouse,
) -> None:
    duckdb_warehouse.execute("create table keyed (id integer primary key)")
    duckdb_warehouse.insert_rows("keyed", ["id"], [[1]])
    refused = pytest.raises(duckdb.ConstraintException, match="Duplicate key")
    with refused, duckdb_warehouse.transaction():
        duckdb_warehouse.insert_rows("keyed", ["id"], [[1]])
    duckdb_warehouse.insert_rows("keyed", ["id"], [[2]])
    assert duckdb_warehouse.query("select id from keyed order by id") == [(1,), (2,)]


def test_a_replacement_line_holding_several_lines_is_refused(faulty_store, duckdb_warehouse):
    bucket, _ = faulty_store
    ingest(bucket, duckdb_warehouse)
    held = [row for row in list_quarantine(duckdb_warehouse) if row["line"] is not None][0]
    with pytest.raises(ReadmitError, match="one line"):
        readmit(bucket, duckdb_warehouse, [held["id"]], b"1,2,3\n4,5,6\n")
    assert list_quarantine(duckdb_warehouse, reason=held["reason"])  # still listed


def test_a_row_of_a_source_with_a_header_can_be_readmitted(bucket, duckdb_warehouse) -> None:
    from shopsight.generate.thelook_export import generate_thelook

    generate_thelook(bucket, date(2024, 3, 1), 2, 200, 5, "default")
    ingest(bucket, duckdb_warehouse, source="thelook")
    rows = [row for row in list_quarantine(duckdb_warehouse) if row["line"] is not None]
    assert rows, "the faulty thelook store has rejected rows"
    held = next(row for row in rows if row["reason"] != "duplicate_key")
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]])
    assert again.status == "loaded"  # not quarantined whole as header_mismatch
    assert again.rows_read == 1  # the header is not counted as a row
    assert again.rejects_by_reason == {held["reason"]: 1}  # the same bad row, refused again
    assert any(row["path"] == again.path for row in list_quarantine(duckdb_warehouse))


def test_invalid_utf8_readmitted_as_delivered_is_rejected_again(bucket, duckdb_warehouse) -> None:
    generate_small_store(bucket, faults="none")
    original = bucket.read_bytes(ORDERS_DAY)
    first, rest = original.split(b"\n", 1)
    bucket.write_bytes(ORDERS_DAY, first + b"\xfc" + b"\n" + rest)
    ingest(bucket, duckdb_warehouse)
    [held] = list_quarantine(duckdb_warehouse, reason="invalid_utf8")
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]])
    assert again.rejects_by_reason == {"invalid_utf8": 1}


def test_objects_that_are_not_landed_files_are_reported_not_loaded(tmp_path, duckdb_warehouse):
    from shopsight.storage import Bucket, StorageError

    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket, faults="none")
    day = "landing/retail_db/departments/dt=2024-03-10"
    outside = tmp_path / "secret.csv"
    outside.write_text("99,Exfiltrated\n")
    (tmp_path / "bucket" / day / "part-9.csv").symlink_to(outside)
    bucket.write_bytes(f"{day}/.part-00000.csv.0123abcd.tmp", b"98,Half written\n")
    bucket.write_bytes(f"{day}/part-00001.csv.4567ef.tmp", b"96,Half written before\n")
    bucket.write_bytes(f"{day}/.hidden.csv", b"97,Hidden\n")
    report = ingest(bucket, duckdb_warehouse)
    reasons = {o.key.rsplit("/", 1)[-1]: o.reason for o in report.ignored}
    assert reasons == {
        "part-9.csv": "a link to outside the bucket",
        ".part-00000.csv.0123abcd.tmp": "the temporary object of an interrupted write",
        "part-00001.csv.4567ef.tmp": "the temporary object of an interrupted write",
        ".hidden.csv": "a hidden name (starts with a dot)",
    }
    names = duckdb_warehouse.query(
        "select department_id from retail_db.departments where department_id >= 96"
    )
    assert names == []
    with pytest.raises(StorageError, match="outside the bucket"):
        bucket.read_bytes(f"{day}/part-9.csv")
    assert report.to_json()["ignored_objects"]


def test_paths_that_are_not_landing_paths_are_reported_and_block_nothing(
    tmp_path, duckdb_warehouse
) -> None:
    from shopsight.storage import Bucket

    bucket = Bucket(f"file://{tmp_path}/bucket")
    table = "landing/retail_db/departments"
    bucket.write_bytes(f"{table}/dt=9999-99-99/part-00000.csv", b"1,Fitness\n")
    bucket.write_bytes(f"{table}/dt=2024-02-30/part-00000.csv", b"2,Golf\n")
    bucket.write_bytes(f"{table}/part-00000.csv", b"3,Outdoors\n")
    clean = f"{table}/dt=2024-03-01/part-00000.csv"
    bucket.write_bytes(clean, b"4,Apparel\n")
    report = ingest(bucket, duckdb_warehouse)
    reasons = {o.key.removeprefix(f"{table}/"): o.reason for o in report.ignored}
    assert reasons == {
        "dt=9999-99-99/part-00000.csv": "'dt=9999-99-99' is not a day (dt=YYYY-MM-DD, a real date)",
        "dt=2024-02-30/part-00000.csv": "'dt=2024-02-30' is not a day (dt=YYYY-MM-DD, a real date)",
        "part-00000.csv": f"not inside a dt=YYYY-MM-DD folder of {table}/",
    }
    assert [(f.path, f.status) for f in report.files] == [(clean, "loaded")]
    assert duckdb_warehouse.query("select department_id from retail_db.departments") == [(4,)]
    again = ingest(bucket, duckdb_warehouse)  # the next run is not blocked either
    assert again.files == [] and len(again.ignored) == 3


def test_a_byte_order_mark_before_the_header_is_dropped(bucket, duckdb_warehouse) -> None:
    from shopsight.generate.thelook_export import generate_thelook

    generate_thelook(bucket, date(2024, 3, 1), 2, 100, 5, "none")
    key = "landing/thelook/users/dt=2024-03-01/part-00000.csv"
    bucket.write_bytes(key, b"\xef\xbb\xbf" + bucket.read_bytes(key))
    report = ingest(bucket, duckdb_warehouse, source="thelook")
    [users] = [f for f in report.files if f.path == key]
    assert (users.status, users.rows_rejected) == ("loaded", 0) and users.rows_loaded > 0


def test_a_header_far_wider_than_the_contract_is_quarantined_whole(
    bucket, duckdb_warehouse
) -> None:
    from shopsight.generate.thelook_export import generate_thelook

    generate_thelook(bucket, date(2024, 3, 1), 2, 100, 5, "none")
    key = "landing/thelook/users/dt=2024-03-02/part-00000.csv"
    header, *rows = bucket.read_bytes(key).decode().splitlines()
    wide = header + "".join(f",extra_{n}" for n in range(5000))
    bucket.write_bytes(key, "\n".join([wide, *rows]).encode() + b"\n")
    report = ingest(bucket, duckdb_warehouse, source="thelook")
    [users] = [f for f in report.files if f.path == key]
    assert (users.status, users.reason) == ("quarantined", "header_too_wide")
    width = header.count(",") + 1 + 5000
    assert f"{width:,} columns, more than the 1,024" in (users.message or "")
    columns = duckdb_warehouse.query(
        "select count(*) from information_schema.columns "
        "where table_schema = 'thelook' and table_name = 'users'"
    )
    assert columns[0][0] < 40  # the landing table gained none of them
    assert all(f.status == "loaded" for f in report.files if f.path != key)


@pytest.mark.parametrize("width", [3, 300])
def test_drifted_columns_commit_with_the_data_or_not_at_all(
    bucket, duckdb_warehouse, width: int
) -> None:
    """A file whose batch does not commit leaves no column behind; readmitted, it brings
    them all. A few are added in the data's transaction; many (on DuckDB) before it, and
    dropped again when it fails (benchmarks/bench_wide_headers.py measures the cost)."""
    from shopsight.generate.thelook_export import generate_thelook

    generate_thelook(bucket, date(2024, 3, 1), 2, 100, 5, "none")
    key = "landing/thelook/users/dt=2024-03-02/part-00000.csv"
    header, *rows = bucket.read_bytes(key).decode().splitlines()
    extra = [f"extra_{n}" for n in range(width)]
    lines = [header + "," + ",".join(extra), *(row + ",x" * width for row in rows)]
    bucket.write_bytes(key, "\n".join(lines).encode() + b"\n")

    def columns() -> int:
        return duckdb_warehouse.query(
            "select count(*) from information_schema.columns where table_schema = 'thelook' "
            "and table_name in ('users', 'users_history') and column_name like 'extra_%'"
        )[0][0]

    ingest(bucket, duckdb_warehouse, source="thelook", tables=["orders"])
    failpoints.arm("ingest.before_commit:raise")
    try:
        failed = ingest(bucket, duckdb_warehouse, source="thelook", tables=["users"])
    finally:
        failpoints.arm(None)
    [users] = [f for f in failed.files if f.path == key]
    assert (users.status, users.reason) == ("quarantined", "processing_error")
    assert columns() == 0
    [held] = [row for row in list_quarantine(duckdb_warehouse) if row["path"] == key]
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]])
    assert again.status == "loaded" and again.rows_loaded == len(rows)
    assert columns() == 2 * width
    filled = duckdb_warehouse.query(
        f"select count(*) from thelook.users where extra_{width - 1} = 'x'"
    )
    assert filled == [(len(rows),)]
