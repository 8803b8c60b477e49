"""The same dbt project on a real PostgreSQL server gives the same marts as DuckDB."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from shopsight.build import build
from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

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


def test_postgres_build_matches_duckdb(tmp_path, fresh_postgres) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, date(2024, 1, 1), 70, 6000, 9, "default")
    results = {}
    for url in (f"duckdb:///{tmp_path}/wh.duckdb", fresh_postgres):
        warehouse = connect(url)
        ingest(bucket, warehouse)
        summary = build(url)
        assert summary.success, (url, summary.failures)
        results[url] = {
            name: warehouse.query(f"select {aggregates} from marts.{name}")[0]
            for name, aggregates in CHECKS.items()
        }
        warehouse.close()
    duck, postgres = results.values()
    for name in CHECKS:
        assert tuple(map(str, postgres[name])) == tuple(map(str, duck[name])), name
    with psycopg.connect(fresh_postgres) as connection:
        indexes = connection.execute(
            "select indexname from pg_indexes where schemaname = 'marts' "
            "and tablename = 'fct_order_items'"
        ).fetchall()
    assert len(indexes) >= 3  # product, customer and date lookups
