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


def test_every_sources_history_reads_back_value_for_value(tmp_path) -> None:
    """Plain DuckDB reads the layout back equal to the warehouse history, every column and
    row, for each source's types: the store's floats, the web shop's nullable timestamps
    and undeclared columns (``--drift``), the transactions feed's decimals from JSON."""
    import subprocess
    import sys

    url = f"file://{tmp_path}/bucket"
    for command in (
        ["retail-db", "--days", "6", "--orders", "600"],
        ["thelook", "--days", "6", "--users", "300", "--drift"],
        ["transactions", "--days", "6", "--users", "300"],
    ):
        subprocess.run(
            [sys.executable, "-m", "shopsight", "generate", *command, "--bucket", url],
            check=True,
            capture_output=True,
        )
    bucket = Bucket(url)
    warehouse = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    compared = 0
    try:
        for source in ("retail_db", "thelook", "transactions"):
            ingest(bucket, warehouse, source)
        tables = warehouse.query(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'wh' and table_name like '%\\_history' escape '\\' "
            "and table_schema in ('retail_db', 'thelook', 'transactions')"
        )
        for schema, name in tables:
            folder = f"{tmp_path}/bucket/history/{schema}/{name.removesuffix('_history')}"
            columns = ", ".join(
                f'"{column}"'
                for (column,) in warehouse.query(
                    "select column_name from information_schema.columns where table_catalog "
                    "= 'wh' and table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                )
            )
            mine = f"select {columns} from {schema}.{name}"
            theirs = (
                f"select {columns} from read_parquet('{folder}/dt=*/*.parquet', "
                "union_by_name = true)"
            )
            differ = warehouse.query(
                f"select (select count(*) from ({mine} except all {theirs})) + "
                f"(select count(*) from ({theirs} except all {mine}))"
            )[0][0]
            assert differ == 0, f"{schema}.{name}"
            compared += warehouse.query(f"select count(*) from {schema}.{name}")[0][0]
    finally:
        warehouse.close()
    assert len(tables) >= 13 and compared > 10_000
