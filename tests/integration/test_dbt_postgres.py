"""The same dbt project on a real PostgreSQL server gives the same marts as DuckDB."""

from __future__ import annotations

import json
from datetime import date, datetime

import psycopg
import pytest

from shopsight.build import build, run_dbt
from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.metrics.semantic import MetricQuery, query_metrics
from shopsight.storage import Bucket
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

pytestmark = pytest.mark.integration

# Per mart, aggregates that must agree exactly between the engines.
CHECKS = {
    "fct_order_items": "count(*), sum(line_revenue), sum(quantity)",
    "fct_orders": "count(*), sum(gross_order_value), sum(net_revenue)",
    "dim_products": "count(*), count(*) filter (where is_current)",
    "fct_product_price_changes": (
        "count(*), sum(units_sold_at_old_price), sum(units_sold_at_new_price)"
    ),
    "fct_daily_product_sales": "count(*), sum(units), count(*) filter (where is_stalled)",
    "dim_date": "count(*), min(date_day), max(date_day)",
}
WEB_CHECKS = {
    "fct_events": "count(*), count(distinct product_key), sum(sequence_number)",
    "fct_sessions": "count(*), sum(furthest_step), count(*) filter (where cart_abandoned)",
    "fct_funnel_daily": "count(*), sum(sessions), sum(purchases), sum(conversion_rate)",
    "fct_order_items": "count(*), sum(sale_price), sum(margin)",
    "dim_users": "count(*), sum(loyalty_score)",
    "fct_orders": (
        "count(*), sum(net_revenue), count(*) filter (where last_touch_rule = 'purchase event')"
    ),
    "fct_channel_daily": (
        "count(*), sum(sessions), sum(last_touch_net_revenue), sum(first_touch_orders)"
    ),
    "fct_signup_cohorts": "count(*), sum(active_users), sum(cumulative_net_revenue)",
}
# Metrics through the semantic layer, compiled for each engine: same answers.
METRICS = [
    MetricQuery(["net_revenue", "units", "average_order_value"], ["metric_time__month"]),
    MetricQuery(["sessions", "conversion_rate"], ["session__traffic_source"]),
    MetricQuery(["web_net_revenue"], ["web_order__last_touch_channel"]),
]


def _plain(value: object) -> str:
    """A metric's value as both engines can agree on it: a day (DuckDB's truncated times
    are timestamps, PostgreSQL's dates), a ratio to nine places, a decimal as it is."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:.9f}"
    return str(value)


def test_postgres_build_matches_duckdb(tmp_path, fresh_postgres, monkeypatch) -> None:
    monkeypatch.setenv("SHOPSIGHT_READER_ROLES", "report_reader")
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, date(2024, 1, 1), 70, 6000, 9, "default")
    generate_thelook(bucket, date(2024, 1, 1), 20, 800, 9, "default")
    generate_transactions(bucket, date(2024, 1, 1), 20, 800, 9, "default")
    checks = {f"marts.{name}": sql for name, sql in CHECKS.items()}
    checks |= {f"web.{name}": sql for name, sql in WEB_CHECKS.items()}
    results = {}
    with psycopg.connect(fresh_postgres, autocommit=True) as connection:
        connection.execute(
            "do $$ begin create role report_reader; "
            "exception when duplicate_object then null; end $$"
        )
    for url in (f"duckdb:///{tmp_path}/wh.duckdb", fresh_postgres):
        warehouse = connect(url)
        ingest(bucket, warehouse)
        ingest(bucket, warehouse, "thelook")
        refresh_loyalty_scores(bucket, warehouse)
        summary = build(url)  # SHOPSIGHT_READER_ROLES grants on PostgreSQL
        assert summary.success, (url, summary.failures)
        results[url] = {
            name: warehouse.query(f"select {aggregates} from {name}")[0]
            for name, aggregates in checks.items()
        }
        for number, metric_query in enumerate(METRICS):
            rows = query_metrics(warehouse, metric_query)[1]
            results[url][f"metrics {number}"] = sorted(tuple(map(_plain, row)) for row in rows)
        warehouse.close()
    duck, postgres = results.values()
    for name in checks:
        assert tuple(map(str, postgres[name])) == tuple(map(str, duck[name])), name
    for number in range(len(METRICS)):
        assert postgres[f"metrics {number}"] == duck[f"metrics {number}"], METRICS[number]
        assert duck[f"metrics {number}"], METRICS[number]
    assert duck["web.fct_events"][0] > 1000
    with psycopg.connect(fresh_postgres) as connection:
        indexes = connection.execute(
            "select indexname from pg_indexes where schemaname = 'marts' "
            "and tablename = 'fct_order_items'"
        ).fetchall()
    assert len(indexes) >= 3  # product, customer and date lookups
    with psycopg.connect(fresh_postgres) as connection:
        granted = connection.execute(
            "select table_schema || '.' || table_name, "
            "has_table_privilege('report_reader', table_schema || '.' || table_name, 'select') "
            "from information_schema.tables where table_schema in ('marts', 'web', 'staging')"
        ).fetchall()
    readable = {name for name, can in granted if can}
    assert {"marts.fct_orders", "web.fct_channel_daily", "marts.metricflow_time_spine"} <= readable
    assert not any(name.startswith("staging.") for name in readable)  # marts only


def test_postgres_incremental_facts_equal_a_full_refresh(tmp_path, fresh_postgres) -> None:
    """On PostgreSQL a build day by day (the facts incremental) ends equal, row for row, to a
    full refresh."""
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, date(2024, 1, 1), 5, 600, 11, "none")
    warehouse = connect(fresh_postgres)
    facts = {
        "fct_order_items": "select * from marts.fct_order_items order by order_item_id",
        "fct_orders": "select * from marts.fct_orders order by order_id",
    }
    for day in (3, 4, 5):  # the first build, then a day at a time, incrementally
        ingest(bucket, warehouse, until=date(2024, 1, day))
        assert build(fresh_postgres, select=SELECTED, changed_only=True).success
        if day == 3:  # a warehouse made before the index existed gets it on the next run
            (index,) = _indexes_on(warehouse, "source_loaded_at", "marts.fct_orders")
            warehouse.execute(f'drop index marts."{index}"')
    stamped = warehouse.query(
        "select table_schema || '.' || table_name from information_schema.columns "
        "where column_name = 'source_loaded_at' and table_schema in ('marts', 'web')"
    )
    indexed = set(_indexes_on(warehouse, "source_loaded_at").values())
    assert {"marts.fct_order_items", "marts.fct_orders"} <= {t for (t,) in stamped} <= indexed
    for column, table in LANDING_INDEXES:  # made by the build, not by the bulk load
        assert _indexes_on(warehouse, column, table), (table, column)
    incremental = {name: warehouse.query(sql) for name, sql in facts.items()}
    assert build(fresh_postgres, select=SELECTED, full_refresh=True).success
    for name, sql in facts.items():
        rebuilt = warehouse.query(sql)
        assert len(rebuilt) > 100, name
        stamps = {i for i, c in enumerate(_columns(warehouse, name)) if "loaded_at" in c}
        assert _without(incremental[name], stamps) == _without(rebuilt, stamps), name
    for view, key, index in KEYED_VIEWS:
        assert index in _key_join_plan(warehouse, view, key), view
    warehouse.close()
    shown = run_dbt(fresh_postgres, ["show", "--inline", "select current_setting('jit')"])
    assert shown.success
    assert tuple(shown.result.results[0].agate_table.rows[0].values()) == ("off",)


# What the incremental marts find the day's landed rows by (decision 0041).
LANDING_INDEXES = [
    ("_loaded_at", "retail_db.order_items"),
    ("order_item_order_id", "retail_db.order_items"),
    ("_loaded_at", "retail_db.orders"),
]

# Staging views over a table with a primary key, and that key's index: an incremental model
# joins its changed keys to them (decision 0041).
KEYED_VIEWS = [
    ("stg_retail_db__order_items", "order_item_id", "order_items_pkey"),
    ("stg_retail_db__orders", "order_id", "orders_pkey"),
    ("stg_retail_db__customers", "customer_id", "customers_pkey"),
    ("stg_retail_db__products", "product_id", "products_pkey"),
]


def _indexes_on(warehouse, column: str, table: str | None = None) -> dict[str, str]:
    """The indexes whose first column is ``column`` (of ``table``, if named), by name."""
    rows = warehouse.query(
        "select i.indexrelid::regclass::text, i.indrelid::regclass::text from pg_index as i "
        "inner join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] "
        "where a.attname = ?",
        [column],
    )
    return {name.split(".")[-1].strip('"'): on for name, on in rows if table in (None, on)}


def _key_join_plan(warehouse, view: str, key: str) -> str:
    """The plan (JSON text) of a join of a few keys with ``view``; it names the index the
    rows are looked up in, if any. PostgreSQL plans a view holding a WITH on its own, and
    then only scans it. Hash and merge joins are turned off so that the plan is a nested
    loop, which looks each key up by index when the view lets it."""
    warehouse.execute("set enable_hashjoin = off")
    warehouse.execute("set enable_mergejoin = off")
    rows = warehouse.query(
        "explain (format json) select staged.* from (values (1), (2)) as wanted(id) "
        f"inner join staging.{view} as staged on staged.{key} = wanted.id"
    )
    return json.dumps(rows[0][0])


SELECTED = None  # the whole project: the facts' tests read dimensions built from every source


def _without(rows: list[tuple], positions: set[int]) -> list[tuple]:
    """The rows without the load times (a full refresh stamps its own)."""
    return [tuple(v for i, v in enumerate(row) if i not in positions) for row in rows]


def _columns(warehouse, table: str) -> list[str]:
    return [
        row[0]
        for row in warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position",
            [table],
        )
    ]
