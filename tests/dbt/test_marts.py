"""The retail star: built and tested by dbt, and checked here against independent sums."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from decimal import Decimal

from shopsight.build import dbt_target_dir, run_dbt

from built_store import BuiltStore, query

EXCLUDED = {"CANCELED", "SUSPECTED_FRAUD"}


def _latest_rows(store: BuiltStore, table: str) -> dict[str, list[str]]:
    """Latest version per key, straight from the landed CSV files (delivery order)."""
    latest: dict[str, list[str]] = {}
    for info in store.bucket.list(f"landing/retail_db/{table}/"):
        data = store.bucket.read_bytes(info.key)
        text = (gzip.decompress(data) if info.key.endswith(".gz") else data).decode()
        for row in csv.reader(io.StringIO(text)):
            latest[row[0]] = row
    return latest


def test_build_runs_every_model_and_test_green(faulty_store: BuiltStore) -> None:
    summary = faulty_store.build
    assert summary.success, summary.failures
    assert summary.models.get("success", 0) >= 15
    assert summary.tests.get("pass", 0) >= 60 and not summary.tests.get("fail")


def test_revenue_matches_the_landed_files_to_the_cent(clean_store: BuiltStore) -> None:
    orders = _latest_rows(clean_store, "orders")
    gross: dict[str, Decimal] = defaultdict(Decimal)
    net: dict[str, Decimal] = defaultdict(Decimal)
    for item in _latest_rows(clean_store, "order_items").values():
        order = orders[item[1]]
        revenue = int(item[3]) * Decimal(item[5])
        day = order[1][:10]
        gross[day] += revenue
        if order[3] not in EXCLUDED:
            net[day] += revenue
    rows = query(
        clean_store,
        """
        select cast(order_date as varchar), sum(gross_order_value), sum(net_revenue)
        from marts.fct_orders group by 1 order by 1""",
    )
    assert [(day, g, n) for day, g, n in rows] == [
        (day, gross[day], net[day]) for day in sorted(gross)
    ]


def test_orphans_point_at_unknown_members_and_are_counted(faulty_store: BuiltStore) -> None:
    unknown_lines = query(
        faulty_store,
        """
        select f.product_id, count(*) from marts.fct_order_items f
        inner join marts.dim_products p on f.product_key = p.product_key
        where p.is_unknown group by 1 order by 1""",
    )
    assert (999999, 1) in unknown_lines  # the generator's orphan_product fault
    # Orders whose customer was never delivered (the orphan_customer fault, unless a later
    # status re-delivery of that order fixed it) all point at the unknown customer.
    missing, pointing = query(
        faulty_store,
        """
        select
            count(*) filter (where c.customer_id is null),
            count(*) filter (where o.customer_key = (
                select customer_key from marts.dim_customers where is_unknown))
        from marts.fct_orders o
        left join retail_db.customers c on o.customer_id = c.customer_id""",
    )[0]
    assert missing == pointing
    categories = query(
        faulty_store,
        """
        select count(*) from marts.dim_products
        where has_unknown_category and not is_unknown and product_id >= 800000""",
    )
    assert categories == [(1,)]
    facts = query(faulty_store, "select count(*) from marts.fct_order_items")
    items = query(faulty_store, "select count(*) from retail_db.order_items")
    assert facts == items  # no fact lost to a missing dimension row


def test_stalled_analysis_agrees_with_the_mart(faulty_store: BuiltStore) -> None:
    days = query(
        faulty_store,
        """
        select cast(sales_date as varchar) from marts.fct_daily_product_sales
        where is_stalled group by 1 order by count(*) desc, 1 limit 2""",
    )
    assert days, "the generated store should have stalled products"
    for (day,) in days:
        compiled = run_dbt(
            faulty_store.warehouse_url,
            ["compile", "--select", "stalled_products", "--vars", f"{{run_date: '{day}'}}"],
        )
        assert compiled.success
        sql = (
            dbt_target_dir(faulty_store.warehouse_url)
            / "compiled/shopsight/analyses/stalled_products.sql"
        ).read_text()
        from_lines = query(
            faulty_store,
            f"""
            select product_id, total_items_sold_to_date, days_with_sales,
                days_since_sales_ceased from ({sql}) analysis order by product_id""",
        )
        from_mart = query(
            faulty_store,
            f"""
            select product_id, units_to_date, selling_days_in_lookback, days_since_last_sale
            from marts.fct_daily_product_sales
            where is_stalled and sales_date = date '{day}' order by product_id""",
        )
        assert from_lines == from_mart and from_mart


def test_price_changes_count_units_sold_in_each_price_period(faulty_store: BuiltStore) -> None:
    changes = query(
        faulty_store,
        """
        with bounded as (
            select *, lead(changed_on) over (partition by product_id order by changed_on)
                as next_change
            from marts.fct_product_price_changes
        )
        select c.product_id, c.old_price, c.new_price, c.units_sold_at_new_price,
            (select coalesce(sum(f.quantity), 0) from marts.fct_order_items f
             where f.product_id = c.product_id and f.is_net_revenue
               and f.order_date >= c.changed_on
               and f.order_date < coalesce(c.next_change, date '9999-12-31'))
        from bounded c""",
    )
    assert changes
    for _, old, new, units_new, independent in changes:
        assert old != new and units_new == independent


def test_sources_are_fresh_after_a_load(faulty_store: BuiltStore) -> None:
    freshness = run_dbt(
        faulty_store.warehouse_url, ["source", "freshness", "--select", "source:retail_db"]
    )
    assert freshness.success
    assert {str(r.status) for r in freshness.result.results} == {"pass"}
