"""An incremental build reads what loaded after the last load it saw, never that load
again: every batch has a stamp of its own (ingest/loader.py `load_stamp`), and the
watermark is just after the latest stamp a model has seen (macros/loaded_after_watermark.sql,
decision 0043)."""

from __future__ import annotations

from shopsight.build import build

from built_store import build_store, query

# The rows of each fact a build with nothing new must leave where they are. DuckDB gives a
# row re-inserted by delete+insert a new rowid, so an unchanged rowid is a row not rewritten.
FACT_ROWS = {
    "fct_order_items": "select rowid, order_item_id from marts.fct_order_items order by 2",
    "fct_orders": "select rowid, order_id from marts.fct_orders where is_complete order by 2",
}


def test_a_build_after_no_new_load_rewrites_no_fact_row(tmp_path) -> None:
    store = build_store(tmp_path, "none", days=6, orders=400)
    assert store.build.success, store.build.failures
    before = {name: query(store, sql) for name, sql in FACT_ROWS.items()}
    assert all(len(rows) > 100 for rows in before.values()), {k: len(v) for k, v in before.items()}

    again = build(store.warehouse_url)  # every model, incrementally, with nothing loaded since

    assert again.success, again.failures
    assert again.models.get("success", 0) > 10
    for name, sql in FACT_ROWS.items():
        assert query(store, sql) == before[name], f"{name}: rows of the last load rewritten"
