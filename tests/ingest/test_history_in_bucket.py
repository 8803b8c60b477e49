"""The loaded history as open Parquet in the bucket (issue 30): a plain DuckDB query of the
documented layout equals the warehouse's history, file by file; a withdrawn file leaves the
layout and comes back when restored; a load that does not commit is never visible."""

from __future__ import annotations

import duckdb

from shopsight import failpoints
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.ingest.withdraw import withdraw_file
from shopsight.storage import Bucket

from support import generate_small_store

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]


def history_counts(root: str, table: str) -> dict[str, int]:
    """Rows per load in the layout, read by plain DuckDB (no ShopSight code)."""
    glob = f"{root}/history/retail_db/{table}/dt=*/*.parquet"
    rows = duckdb.sql(
        f"select _ingest_id, count(*) from read_parquet('{glob}') group by 1"
    ).fetchall()
    return dict(rows)


def test_the_parquet_history_equals_the_warehouse_history(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket)  # every fault class: rejects, a quarantined file, drift
    warehouse = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    try:
        ingest(bucket, warehouse)
        for table in TABLES:
            expected = dict(
                warehouse.query(
                    f"select _ingest_id, count(*) from retail_db.{table}_history group by 1"
                )
            )
            assert history_counts(f"{tmp_path}/bucket", table) == expected, table
        ledger = dict(
            warehouse.query(
                "select ingest_id, rows_loaded from shopsight_ops.ingest_ledger "
                "where status = 'loaded' and rows_loaded > 0 and table_name = 'order_items'"
            )
        )
        # The same rows, typed as the contract says, with their lineage.
        same = duckdb.sql(
            f"""select count(*) from read_parquet(
                '{tmp_path}/bucket/history/retail_db/order_items/dt=*/*.parquet') p
            where p.order_item_subtotal is not null and p._line_number > 0
                and p._file_path like 'landing/retail_db/order_items/%'"""
        ).fetchall()[0][0]
        typed = duckdb.sql(
            f"""select typeof(order_item_subtotal), typeof(order_item_order_id)
            from read_parquet('{tmp_path}/bucket/history/retail_db/order_items/dt=*/*.parquet')
            limit 1"""
        ).fetchall()[0]
    finally:
        warehouse.close()
    assert same == sum(ledger.values())
    assert typed[1] in ("BIGINT", "INTEGER") and typed[0].startswith(("DECIMAL", "DOUBLE"))
    assert not Bucket(f"file://{tmp_path}/bucket").list("staging/")


def test_a_withdrawn_file_leaves_the_layout_and_returns_when_restored(
    tmp_path, local_store
) -> None:
    bucket, warehouse = local_store
    root = f"{tmp_path}/bucket"
    ingest(bucket, warehouse)
    before = history_counts(root, "orders")
    [(ingest_id,)] = warehouse.query(
        "select ingest_id from shopsight_ops.ingest_ledger where path = "
        "'landing/retail_db/orders/dt=2024-03-10/part-00000.csv'"
    )
    withdraw_file(warehouse, ingest_id, "a day of another store", bucket=bucket)
    withdrawn = history_counts(root, "orders")
    withdraw_file(warehouse, ingest_id, "it was ours after all", undo=True, bucket=bucket)
    restored = history_counts(root, "orders")
    assert ingest_id in before and ingest_id not in withdrawn
    assert {k: v for k, v in before.items() if k != ingest_id} == withdrawn
    assert restored == before


def test_a_load_that_does_not_commit_is_never_visible(local_store) -> None:
    bucket, warehouse = local_store
    ingest(bucket, warehouse, tables=["departments"])
    failpoints.arm("ingest.before_commit:raise")
    try:
        ingest(bucket, warehouse, tables=["categories"])  # quarantined: processing_error
    finally:
        failpoints.arm(None)
    assert not bucket.list("history/retail_db/categories/")
    assert bucket.list("staging/history/retail_db/categories/")  # left by the failure
    ingest(bucket, warehouse, tables=["products"])  # the next run cleans it up
    assert not bucket.list("staging/history/retail_db/categories/")
    assert bucket.list("history/retail_db/products/")
