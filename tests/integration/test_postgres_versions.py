"""On PostgreSQL, each version is stored once too: a withdrawal and its undoing move versions
between the current state and the superseded ones as on DuckDB, and an old history table
is upgraded to the view even when dbt's views read it."""

from __future__ import annotations

import pytest

from shopsight.contracts.model import load_contract
from shopsight.ingest.loader import ensure_schema, ingest
from shopsight.ingest.warehouse import connect
from shopsight.ingest.withdraw import withdraw_file

from support import assert_rows_conserved, fresh_bucket, generate_small_store

pytestmark = pytest.mark.integration

TABLES = list(load_contract("retail_db").tables)
RESENT = "landing/retail_db/orders/dt=2024-03-04/part-00009.csv"


def _state(warehouse) -> dict[str, list[tuple]]:
    """Per table, the current state and the superseded versions, engine-neutral."""
    return {
        f"{table}{part}": sorted(
            tuple(str(v) for v in row[:-1])  # all but _loaded_at
            for row in warehouse.query(f"select * from retail_db.{table}{part}")
        )
        for table in ("orders", "order_items")
        for part in ("", "_superseded")
    }


def test_withdrawing_and_restoring_a_file_moves_versions_as_on_duckdb(
    fresh_postgres, tmp_path
) -> None:
    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none", days=4, orders=300)
    # A later file re-sends three orders with another status: they win, then are withdrawn.
    first = bucket.read_bytes("landing/retail_db/orders/dt=2024-03-02/part-00000.csv")
    resent = [line.replace(b"COMPLETE", b"CLOSED") for line in first.splitlines()[:3]]
    bucket.write_bytes(RESENT, b"\n".join(resent) + b"\n")
    states = {}
    for name, url in (("postgres", fresh_postgres), ("duckdb", f"duckdb:///{tmp_path}/w.db")):
        warehouse = connect(url)
        ingest(bucket, warehouse)
        [(ingest_id,)] = warehouse.query(
            "select ingest_id from shopsight_ops.ingest_ledger where path = ?", [RESENT]
        )
        loaded = _state(warehouse)
        assert len(loaded["orders_superseded"]) >= 3  # the versions the re-sent file beat
        withdrawn = withdraw_file(warehouse, ingest_id, "a test")
        assert withdrawn.keys_changed == 3
        assert_rows_conserved(warehouse)
        after = _state(warehouse)
        assert len(after["orders"]) == len(loaded["orders"])
        assert len(after["orders_superseded"]) == len(loaded["orders_superseded"])
        assert after["orders"] != loaded["orders"]  # the older versions are current again
        withdraw_file(warehouse, ingest_id, "it was right", undo=True)
        assert _state(warehouse) == loaded
        withdraw_file(warehouse, ingest_id, "a test, again")
        states[name] = _state(warehouse)
        warehouse.close()
    assert states["postgres"] == states["duckdb"]


def test_an_old_history_table_read_by_views_becomes_the_view(fresh_postgres) -> None:
    bucket = fresh_bucket()
    generate_small_store(bucket, days=4, orders=300)
    warehouse = connect(fresh_postgres)
    ingest(bucket, warehouse)
    before = {}
    for table in TABLES:  # the layout before decision 0037, and a dbt view over it
        name = f"retail_db.{table}"
        warehouse.execute(f"create table {name}_old as select * from {name}_history")
        warehouse.execute(f"drop view {name}_history")
        warehouse.execute(f"drop table {name}_superseded")
        warehouse.execute(f"alter table {name}_old rename to {table}_history")
        warehouse.execute(f"create view public.stg_{table} as select * from {name}_history")
        before[table] = sorted(warehouse.query(f"select * from {name}_history"), key=repr)

    ensure_schema(warehouse, load_contract("retail_db"))
    for table in TABLES:
        after = sorted(warehouse.query(f"select * from retail_db.{table}_history"), key=repr)
        assert after == before[table], table
        [(views,)] = warehouse.query(
            "select count(*) from information_schema.views where table_name = ?", [f"stg_{table}"]
        )
        assert views == 0  # made again by the full build the upgrade asked for
    [(requests,)] = warehouse.query(
        "select count(*) from shopsight_ops.full_refresh_requests where done_at is null"
    )
    assert requests == len(TABLES)
    assert_rows_conserved(warehouse)
    warehouse.close()


def test_keys_re_sent_at_the_edges_of_the_loaded_range_are_settled_as_on_duckdb(
    fresh_postgres, tmp_path
) -> None:
    """Only the batch's keys inside the loaded keys' range are looked up (decision 0039):
    the lowest and the highest loaded key, re-sent a day later, still replace their
    versions, and a key above the range is simply new."""
    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none", days=3, orders=200)
    states = {}
    for name, url in (("postgres", fresh_postgres), ("duckdb", f"duckdb:///{tmp_path}/w.db")):
        warehouse = connect(url)
        ingest(bucket, warehouse)
        [(low, high)] = warehouse.query("select min(order_id), max(order_id) from retail_db.orders")
        edges = warehouse.query(
            "select order_id, order_date, order_customer_id from retail_db.orders "
            "where order_id in (?, ?) order by order_id",
            [low, high],
        )
        resent = [f"{i},{d:%Y-%m-%d %H:%M:%S},{c},ON_HOLD" for i, d, c in edges]
        resent.append(f"{high + 1},{edges[-1][1]:%Y-%m-%d %H:%M:%S},{edges[-1][2]},PENDING")
        key = "landing/retail_db/orders/dt=2024-03-09/part-00000.csv"
        bucket.write_bytes(key, ("\n".join(resent) + "\n").encode())
        report = ingest(bucket, warehouse)
        assert report.trusted and [f.rows_loaded for f in report.files] == [3]
        current = warehouse.query(
            "select order_id, order_status, count(*) over (partition by order_id) "
            "from retail_db.orders where order_id in (?, ?, ?) order by order_id",
            [low, high, high + 1],
        )
        assert current == [(low, "ON_HOLD", 1), (high, "ON_HOLD", 1), (high + 1, "PENDING", 1)]
        [(replaced,)] = warehouse.query(
            "select count(*) from retail_db.orders_superseded where order_id in (?, ?)",
            [low, high],
        )
        assert replaced >= 2  # the versions the re-sent file beat
        assert_rows_conserved(warehouse)
        states[name] = _state(warehouse)
        bucket.delete(key)  # the next engine starts from the same store
        warehouse.close()
    assert states["postgres"] == states["duckdb"]


def test_an_ingest_does_not_wait_for_a_query_reading_the_history_view(fresh_postgres) -> None:
    """The history views are made only when missing or short of a column: a reader's open
    transaction on a view (its lock held until it ends) does not hold up the next ingest."""
    import psycopg

    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none", days=2, orders=100)
    warehouse = connect(fresh_postgres)
    ingest(bucket, warehouse)
    with psycopg.connect(fresh_postgres) as reader:  # a transaction, open until the end
        reader.execute("select count(*) from retail_db.orders_history").fetchall()
        warehouse.execute("set lock_timeout = '200ms'")  # fails, rather than waits, if it had to
        ensure_schema(warehouse, load_contract("retail_db"))
        generate_small_store(bucket, faults="none", days=3, orders=150)
        assert ingest(bucket, warehouse).trusted
        reader.rollback()
    warehouse.close()
