"""An incremental build after new days of files equals a full rebuild, row for row."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from shopsight.build import build
from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect

from built_store import FIRST_DAY, build_store

FACTS = "select * exclude (source_loaded_at) from marts.fct_order_items order by order_item_id"
# The model compared and what it reads: the other models cannot change it.
SELECT = ["+fct_order_items"]


def _rows(url: str, sql: str) -> list[tuple]:
    connection = duckdb.connect(url[len("duckdb:///") :])
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_incremental_after_new_days_equals_full_refresh(tmp_path) -> None:
    store = build_store(tmp_path, "none", days=15, orders=2000)
    before = _rows(store.warehouse_url, "select count(*) from marts.fct_order_items")
    generate_retail_db(store.bucket, FIRST_DAY + timedelta(days=15), 3, 2000, 5, "none")
    warehouse = connect(store.warehouse_url)
    ingest(store.bucket, warehouse)
    warehouse.close()
    # No lookback: only lines (or orders) loaded after the last build are re-read, so the
    # status changes of earlier orders must come in through their re-delivered order rows.
    incremental = build(store.warehouse_url, SELECT, dbt_vars={"incremental_lookback_minutes": 0})
    assert incremental.success, incremental.failures
    after_incremental = _rows(store.warehouse_url, FACTS)
    assert len(after_incremental) > before[0][0]
    full = build(store.warehouse_url, SELECT, full_refresh=True)
    assert full.success, full.failures
    assert _rows(store.warehouse_url, FACTS) == after_incremental
