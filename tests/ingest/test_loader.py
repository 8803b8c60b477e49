"""Ingestion guarantees on the embedded DuckDB warehouse."""

from __future__ import annotations

from datetime import date

from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.readmit import readmit
from shopsight.ingest.status import list_quarantine

from support import (
    assert_every_fault_handled,
    assert_rows_conserved,
    generate_small_store,
)


def test_every_injected_fault_gets_its_exact_outcome(faulty_store, duckdb_warehouse) -> None:
    bucket, summary = faulty_store
    report = ingest(bucket, duckdb_warehouse)
    assert_every_fault_handled(duckdb_warehouse, summary)
    assert not report.trusted  # the truncated gzip file was quarantined whole
    assert [f.reason for f in report.quarantined_files] == ["truncated_gzip"]


def test_rows_read_equal_rows_loaded_plus_rejected(faulty_store, duckdb_warehouse) -> None:
    bucket, _ = faulty_store
    ingest(bucket, duckdb_warehouse)
    assert_rows_conserved(duckdb_warehouse)


def test_rerun_loads_nothing_twice(faulty_store, duckdb_warehouse) -> None:
    bucket, _ = faulty_store
    ingest(bucket, duckdb_warehouse)
    before = duckdb_warehouse.query("select count(*) from retail_db.order_items_history")
    again = ingest(bucket, duckdb_warehouse, verify=True)
    assert again.files == []
    assert duckdb_warehouse.query("select count(*) from retail_db.order_items_history") == before


def test_current_state_holds_latest_version_and_history_keeps_all(bucket, duckdb_warehouse) -> None:
    generate_small_store(bucket, faults="none")
    ingest(bucket, duckdb_warehouse)
    # Orders move status: every re-delivered order keeps all versions, the latest is current.
    moved = duckdb_warehouse.query("""
        select h.order_id, count(*), max_by(h.order_status, h._file_dt), c.order_status
        from retail_db.orders_history h join retail_db.orders c using (order_id)
        group by h.order_id, c.order_status having count(*) > 1""")
    assert moved
    assert all(latest == current for _, _, latest, current in moved)
    assert {current for *_, current in moved} <= {"COMPLETE", "CLOSED", "CANCELED"}
    prices = duckdb_warehouse.query("""
        select count(distinct product_price) from retail_db.products_history
        group by product_id having count(*) > 1""")
    assert prices and all(n >= 1 for (n,) in prices)
    keys = duckdb_warehouse.query(
        "select count(*), count(distinct order_id) from retail_db.orders"
    )[0]
    assert keys[0] == keys[1]


def test_changed_redelivery_is_quarantined_whole_and_readmittable(bucket, duckdb_warehouse) -> None:
    generate_small_store(bucket)
    ingest(bucket, duckdb_warehouse)
    # The next export run rewrites yesterday's orders file with one status changed.
    later = generate_retail_db(bucket, date(2024, 3, 13), 3, 1500, 11, "default")
    ingest(bucket, duckdb_warehouse)
    [redelivered] = [f for f in later.faults if f.fault == "redelivered_with_new_content"]
    assert_every_fault_handled(duckdb_warehouse, later)
    [held] = list_quarantine(duckdb_warehouse, reason="redelivered_with_new_content")
    assert held["path"] == redelivered.path and held["line"] is None
    [result] = readmit(bucket, duckdb_warehouse, [held["id"]])
    assert result.status == "loaded" and result.rows_loaded > 0
    assert list_quarantine(duckdb_warehouse, reason="redelivered_with_new_content") == []
    current = duckdb_warehouse.query(
        "select count(*) from retail_db.orders where _file_path = ?", [result.path]
    )
    assert current[0][0] > 0  # the accepted version is now the current state


def test_readmit_fixed_row_loads_it_once(faulty_store, duckdb_warehouse) -> None:
    bucket, summary = faulty_store
    ingest(bucket, duckdb_warehouse)
    [row] = list_quarantine(duckdb_warehouse, reason="invalid_number")
    fields = row["raw"].split(",")
    fields[4] = repr(round(int(fields[3]) * float(fields[5]), 2))
    [result] = readmit(bucket, duckdb_warehouse, [row["id"]], ",".join(fields).encode())
    assert (result.rows_loaded, result.rows_rejected) == (1, 0)
    item = duckdb_warehouse.query(
        "select order_item_subtotal, _file_path from retail_db.order_items where order_item_id = ?",
        [int(fields[0])],
    )
    assert item == [(float(fields[4]), result.path)]
    assert list_quarantine(duckdb_warehouse, reason="invalid_number") == []
    ledger = duckdb_warehouse.query(
        "select count(*) from shopsight_ops.ingest_ledger where path = ?", [result.path]
    )
    assert ledger == [(1,)]
    assert_rows_conserved(duckdb_warehouse)


def test_reject_ratio_over_threshold_fails_the_run(bucket, duckdb_warehouse) -> None:
    bucket.write_bytes(
        "landing/retail_db/departments/dt=2024-01-01/part-00000.csv",
        b"1,Fitness\nx,Golf\n3,Outdoors\n",
    )
    report = ingest(bucket, duckdb_warehouse)
    [result] = report.files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert result.over_reject_ratio and not report.trusted


def test_ingest_until_a_day_loads_only_files_up_to_it(tmp_path) -> None:
    from datetime import timedelta

    from shopsight.ingest.loader import ingest as load
    from shopsight.ingest.warehouse import connect as open_warehouse

    from support import START, fresh_bucket, generate_small_store

    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none", days=4, orders=200)
    warehouse = open_warehouse(f"duckdb:///{tmp_path}/until.duckdb")
    second_day = START + timedelta(days=1)
    load(bucket, warehouse, until=second_day)
    days = {row[0] for row in warehouse.query("select file_dt from shopsight_ops.ingest_ledger")}
    assert days == {START, second_day}
    load(bucket, warehouse)  # the later days load when their run comes
    (count,) = warehouse.query("select count(distinct file_dt) from shopsight_ops.ingest_ledger")[0]
    warehouse.close()
    assert count == 4


def test_ingest_holds_its_own_memory_limit_and_gives_the_warehouse_back_its_own(
    faulty_store, duckdb_warehouse, monkeypatch
) -> None:
    """Batches need far less than a build: ingest runs under SHOPSIGHT_INGEST_MEMORY_LIMIT
    and the warehouse's own limit is back afterwards (for dbt in `shopsight run`)."""
    bucket, _ = faulty_store
    monkeypatch.setenv("SHOPSIGHT_INGEST_MEMORY_LIMIT", "300MB")

    def limit() -> str:
        return duckdb_warehouse.query("select current_setting('memory_limit')")[0][0]

    before, during = limit(), set()
    ingest(bucket, duckdb_warehouse, on_file=lambda _: during.add(limit()))
    assert during == {"286.1 MiB"}  # 300 MB, as DuckDB shows it
    assert limit() == before
