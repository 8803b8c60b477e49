"""DuckDB's memory, threads and spill folder are ShopSight settings, not luck: they reach
ingestion and dbt, and a store built under a low limit equals one built without it."""

from __future__ import annotations

import pytest

from shopsight.build import prepare_sources, run_dbt
from shopsight.ingest.warehouse import connect

from built_store import BuiltStore, build_store, query

MARTS = {
    "fct_order_items": "order_item_id",
    "fct_orders": "order_id",
    "fct_daily_product_sales": "product_id, sales_date",
    "dim_products": "product_key",
}


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSIGHT_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("SHOPSIGHT_THREADS", "1")


def test_the_settings_reach_ingestion_and_dbt(tmp_path, low_limits) -> None:
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    warehouse = connect(url)
    try:
        seen = warehouse.query(
            "select current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('temp_directory')"
        )
    finally:
        warehouse.close()
    assert seen == [("953.6 MiB", 1, f"{tmp_path}/warehouse.duckdb.tmp")]
    prepare_sources(url)
    shown = run_dbt(
        url,
        ["show", "--inline", "select current_setting('memory_limit'), current_setting('threads')"],
    )
    assert shown.success
    assert tuple(shown.result.results[0].agate_table.rows[0].values()) == ("953.6 MiB", 1)


def test_a_store_built_under_1gb_equals_one_built_without(
    tmp_path, clean_store: BuiltStore, low_limits
) -> None:
    limited = build_store(tmp_path, "none", days=20, orders=3000)  # clean_store's parameters
    assert limited.build.success
    for table, key in MARTS.items():
        columns = query(
            clean_store,
            "select column_name from information_schema.columns "
            f"where table_schema = 'marts' and table_name = '{table}' "
            "and column_name not like '%loaded_at' order by ordinal_position",
        )
        names = ", ".join(name for (name,) in columns)  # load times differ, nothing else may
        sql = f"select {names} from marts.{table} order by {key}"
        assert query(limited, sql) == query(clean_store, sql), table
