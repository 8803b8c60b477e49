"""An incremental build reads what loaded after the last load it saw, never that load
again: every batch has a stamp of its own (ingest/loader.py `load_stamp`), and the
watermark is just after the latest stamp a model has seen (macros/loaded_after_watermark.sql,
decision 0043)."""

from __future__ import annotations

from shopsight.build import build

from built_store import BuiltStore, build_store, build_web_store, query

# The rows of each fact a build with nothing new must leave where they are. DuckDB gives a
# row re-inserted by delete+insert a new rowid, so an unchanged rowid is a row not rewritten.
FACT_ROWS = {
    "fct_order_items": "select rowid, order_item_id from marts.fct_order_items order by 2",
    "fct_orders": "select rowid, order_id from marts.fct_orders where is_complete order by 2",
}
# The web shop's orders: their touches are found from sessions, whose events load after the
# orders (the contract's order), so an order's own load is not what the build has seen.
WEB_ORDER_ROWS = {
    "int_web_order_sessions": "select rowid, order_id from intermediate.int_web_order_sessions "
    "order by 2",
    "web_fct_orders": "select rowid, order_id from web.fct_orders order by 2",
}


def _build_again_rewrites_nothing(store: BuiltStore, rows: dict[str, str], least: int) -> None:
    """Build ``store`` again with nothing loaded since (every model, incrementally): each of
    ``rows`` (a name and a query of rowid and key, at least ``least`` rows) stays put."""
    assert store.build.success, store.build.failures
    before = {name: query(store, sql) for name, sql in rows.items()}
    assert all(len(found) >= least for found in before.values()), {
        name: len(found) for name, found in before.items()
    }

    again = build(store.warehouse_url)

    assert again.success, again.failures
    assert again.models.get("success", 0) > 10
    for name, sql in rows.items():
        assert query(store, sql) == before[name], f"{name}: rows already built rewritten"


def test_a_build_after_no_new_load_rewrites_no_fact_row(tmp_path) -> None:
    _build_again_rewrites_nothing(build_store(tmp_path, "none", days=6, orders=400), FACT_ROWS, 100)


def test_a_web_build_after_no_new_load_rewrites_no_order(tmp_path) -> None:
    """The events loaded after the orders in the same ingest: the next build must not take
    every session for new and attribute every order again (decision 0068)."""
    store = build_web_store(tmp_path, "none", days=4, users=300)
    _build_again_rewrites_nothing(store, WEB_ORDER_ROWS, 50)
