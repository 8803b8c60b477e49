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


def test_dbt_keeps_working_after_duckdb_spilled_to_disk(tmp_path, monkeypatch) -> None:
    """At 30 M orders a build spills; dbt set the spill folder again on every cursor it
    opened, which DuckDB refuses once the folder is in use ("Cannot switch temporary
    directory"), so the next model failed. Under a tiny limit a sort spills here too."""
    monkeypatch.setenv("SHOPSIGHT_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("SHOPSIGHT_THREADS", "1")
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    prepare_sources(url)
    spilled = run_dbt(
        url,
        [
            "show",
            "--inline",
            "select count(*) from (select i, random() as r from range(6000000) as t(i) "
            "order by r limit 3000000)",
        ],
    )
    assert spilled.success, spilled.exception
    again = run_dbt(url, ["show", "--inline", "select current_setting('temp_directory')"])
    assert again.success, again.exception
    assert again.result.results[0].agate_table.rows[0][0] == f"{tmp_path}/warehouse.duckdb.tmp"
    hooked = run_dbt(url, ["run", "--select", "stg_retail_db__orders"])  # the model's pre-hook
    assert hooked.success, hooked.exception
    warehouse = connect(url)  # and ingestion's connection after it
    try:
        assert warehouse.query("select current_setting('temp_directory')") == [
            (f"{tmp_path}/warehouse.duckdb.tmp",)
        ]
    finally:
        warehouse.close()
