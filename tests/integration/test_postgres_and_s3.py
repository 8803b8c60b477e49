"""Every fault class through s3:// into PostgreSQL, and the same results as DuckDB."""

from __future__ import annotations

import threading

import pytest

from shopsight.ingest.loader import ingest
from shopsight.ingest.readmit import readmit
from shopsight.ingest.status import list_quarantine
from shopsight.ingest.warehouse import PostgresWarehouse, connect
from shopsight.storage import Bucket

from support import (
    assert_every_fault_handled,
    assert_rows_conserved,
    fresh_bucket,
    generate_small_store,
)

pytestmark = pytest.mark.integration

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]


def _snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every current-state row, the ledger counts and the quarantine, engine-neutral."""
    snapshot = {}
    for table in TABLES:
        rows = warehouse.query(f"select * from retail_db.{table}")
        snapshot[table] = sorted(tuple(str(v) for v in row[:-1]) for row in rows)
    snapshot["ledger"] = sorted(
        warehouse.query(
            "select path, status, reason, rows_read, rows_loaded, rows_rejected, warnings "
            "from shopsight_ops.ingest_ledger"
        )
    )
    snapshot["quarantine"] = sorted(
        warehouse.query(
            "select quarantine_id, path, line_number, column_name, reason, message, raw_line "
            "from shopsight_ops.quarantine"
        )
    )
    return snapshot


def test_s3_into_postgres_handles_every_fault(s3_bucket_url, fresh_postgres, tmp_path) -> None:
    bucket = Bucket(s3_bucket_url)
    summary = generate_small_store(bucket)
    warehouse = connect(fresh_postgres)
    report = ingest(bucket, warehouse)
    assert [f.reason for f in report.quarantined_files] == ["truncated_gzip"]
    assert_every_fault_handled(warehouse, summary)
    assert_rows_conserved(warehouse)
    assert bucket.list("quarantine/retail_db/order_items/")  # rejected rows kept in the bucket
    assert ingest(bucket, warehouse).files == []
    # The history in the bucket (Parquet on S3) holds what PostgreSQL's history holds.
    for table in ("orders", "order_items"):
        expected = dict(
            warehouse.query(
                f"select _ingest_id, count(*) from retail_db.{table}_history group by 1"
            )
        )
        assert _parquet_rows(bucket, f"history/retail_db/{table}/", tmp_path) == expected
    assert not bucket.list("staging/")
    warehouse.close()


def _parquet_rows(bucket: Bucket, prefix: str, folder) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows per load of the Parquet objects under ``prefix``, read by plain DuckDB."""
    import duckdb

    counts: dict[str, int] = {}
    for number, info in enumerate(bucket.list(prefix)):
        local = folder / f"{number}.parquet"
        local.write_bytes(bucket.read_bytes(info.key))
        for load, rows in duckdb.sql(
            f"select _ingest_id, count(*) from read_parquet('{local}') group by 1"
        ).fetchall():
            counts[load] = counts.get(load, 0) + rows
    return counts


def test_postgres_and_duckdb_end_identical(s3_bucket_url, fresh_postgres, tmp_path) -> None:
    bucket = Bucket(s3_bucket_url)
    generate_small_store(bucket)
    postgres = connect(fresh_postgres)
    duckdb = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    ingest(bucket, postgres)
    ingest(bucket, duckdb)
    expected, actual = _snapshot(duckdb), _snapshot(postgres)
    for part in expected:
        assert actual[part] == expected[part], part
    [row] = list_quarantine(postgres, reason="invalid_number")
    [result] = readmit(bucket, postgres, [row["id"]])
    assert (result.rows_loaded, result.rows_rejected) == (0, 1)  # still wrong: kept again
    postgres.close()
    duckdb.close()


def test_postgres_landing_tables_follow_the_seed_ddl(fresh_postgres) -> None:
    from shopsight.contracts.model import load_contract
    from shopsight.ingest.loader import ensure_schema

    warehouse = connect(fresh_postgres)
    ensure_schema(warehouse, load_contract("retail_db"))
    columns = warehouse.query("""
        select column_name, data_type, is_nullable from information_schema.columns
        where table_schema = 'retail_db' and table_name = 'order_items'
            and column_name not like '\\_%' order by ordinal_position""")
    assert columns == [
        ("order_item_id", "integer", "NO"),
        ("order_item_order_id", "integer", "NO"),
        ("order_item_product_id", "integer", "NO"),
        ("order_item_quantity", "integer", "NO"),
        ("order_item_subtotal", "double precision", "NO"),
        ("order_item_product_price", "double precision", "NO"),
    ]
    warehouse.close()


def test_drift_and_warnings_end_identical_on_postgres(s3_bucket_url, fresh_postgres, tmp_path):
    """Landing tables gain a column, contested keys carry it, warnings are kept row by row,
    and a row held before the column came is re-admitted after: as on DuckDB."""
    from shopsight.ingest.drift import drift_report
    from shopsight.ingest.status import list_row_warnings

    header = "id,name,latitude,longitude"
    days = {
        "2024-06-23": f"{header}\n1,Memphis TN,35.1,-89.9\n2,Chicago IL,x,-87.6\n",
        "2024-06-24": f"{header},distribution_center_geom\n1,Memphis,95.1,-89.9,POINT(1 2)\n",
    }
    results = {}
    engines = {
        "postgres": (Bucket(s3_bucket_url), fresh_postgres),
        "duckdb": (fresh_bucket(), f"duckdb:///{tmp_path}/w.db"),
    }
    for name, (bucket, url) in engines.items():
        warehouse = connect(url)
        for day, text in days.items():
            key = f"landing/thelook/distribution_centers/dt={day}/part-0.csv"
            bucket.write_bytes(key, text.encode())
            ingest(bucket, warehouse, source="thelook")
        [held] = list_quarantine(warehouse)
        fixed = held["raw"].replace(",x,", ",41.9,").encode()
        [again] = readmit(bucket, warehouse, [held["id"]], fixed)
        assert again.status == "loaded", name
        results[name] = (
            warehouse.query(
                "select id, name, latitude, distribution_center_geom "
                "from thelook.distribution_centers order by id"
            ),
            [(d["column"], d["first_day"], d["files"]) for d in drift_report(warehouse)],
            list_row_warnings(warehouse)[0],
        )
        warehouse.close()
    assert results["postgres"] == results["duckdb"]
    rows, drift, warned = results["postgres"]
    assert rows == [(1, "Memphis", 95.1, "POINT(1 2)"), (2, "Chicago IL", 41.9, None)]
    assert drift == [("distribution_center_geom", "2024-06-24", 1)]
    assert warned == 1  # latitude 95.1: out of range, loaded, kept row by row


def test_batches_checked_ahead_end_as_when_checked_one_at_a_time(
    s3_bucket_url, fresh_postgres, tmp_path, monkeypatch
) -> None:
    """On PostgreSQL the next batch is checked while one is written (decision 0053); DuckDB
    checks each just before writing it. With a batch per file, a store with every fault
    ends alike on both, and so does a table whose files gain a column and lose it again:
    the check of the last file, planned before the column came, is done again with it, so
    the version it replaces keeps the column's value."""
    from shopsight.ingest import loader

    monkeypatch.setattr(loader, "BATCH_BYTES", 1)
    header = "id,name,latitude,longitude"
    days = {
        "2024-06-23": f"{header}\n1,Memphis TN,35.1,-89.9\n",
        "2024-06-24": f"{header},distribution_center_geom\n1,Memphis,35.1,-89.9,POINT(1 2)\n",
        "2024-06-25": f"{header}\n1,Memphis TN,35.2,-89.9\n",
    }
    ends = {}
    for name, bucket, url in [
        ("postgres", Bucket(s3_bucket_url), fresh_postgres),
        ("duckdb", fresh_bucket(), f"duckdb:///{tmp_path}/w.db"),
    ]:
        generate_small_store(bucket)
        for day, text in days.items():
            bucket.write_bytes(
                f"landing/thelook/distribution_centers/dt={day}/part-0.csv", text.encode()
            )
        warehouse = _Watched(url) if name == "postgres" else connect(url)
        ingest(bucket, warehouse)
        ingest(bucket, warehouse, source="thelook")
        ends[name] = _snapshot(warehouse)
        ends[name]["centers"] = sorted(
            tuple(str(v) for v in row)
            for row in warehouse.query(
                "select id, name, latitude, distribution_center_geom, _file_path "
                "from thelook.distribution_centers_history"
            )
        )
        warehouse.close()
    for part in ends["duckdb"]:
        assert ends["postgres"][part] == ends["duckdb"][part], part
    assert _Watched.touched_by == {"MainThread"}  # never by the thread that checks aside
    path = "landing/thelook/distribution_centers/dt={}/part-0.csv"
    assert ends["postgres"]["centers"] == [
        ("1", "Memphis", "35.1", "POINT(1 2)", path.format("2024-06-24")),
        ("1", "Memphis TN", "35.1", "None", path.format("2024-06-23")),
        ("1", "Memphis TN", "35.2", "None", path.format("2024-06-25")),
    ]


class _Watched(PostgresWarehouse):
    """A PostgreSQL warehouse that notes which threads use it: the check done aside must
    not (while a batch is written, the warehouse's ``validator`` is that batch's)."""

    touched_by: set[str] = set()

    def __getattribute__(self, name: str) -> object:
        _Watched.touched_by.add(threading.current_thread().name)
        return super().__getattribute__(name)
