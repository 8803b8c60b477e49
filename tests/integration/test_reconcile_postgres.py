"""Reconciling against the sales database itself: a real PostgreSQL server holding the OLTP."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from shopsight.generate.export import STATE_KEY
from shopsight.generate.retail_db import RetailDbSimulation, StoreShape
from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile

from built_store import FIRST_DAY, build_store

pytestmark = pytest.mark.integration

DAYS, ZONE = 10, "America/New_York"
OLTP_DDL = """
create table orders (
    order_id integer primary key, order_date timestamp not null,
    order_customer_id integer not null, order_status varchar(45) not null
);
create table order_items (
    order_item_id integer primary key, order_item_order_id integer not null,
    order_item_product_id integer not null, order_item_quantity integer not null,
    order_item_subtotal double precision not null, order_item_product_price numeric(10, 2)
);
"""


def _fill_sales_database(url: str, state: dict[str, Any], until: date) -> int:
    """The store's own tables, replayed; plus one order placed after the last export."""
    shape = StoreShape(state["seed"], date.fromisoformat(state["origin"]), state["orders_per_day"])
    orders: dict[int, list[Any]] = {}
    items: list[list[Any]] = []
    for export in RetailDbSimulation(shape).days(until):
        for order_id, stamp, customer, status in export.rows["orders"]:
            orders[int(order_id)] = [int(order_id), stamp[:19], int(customer), status]
        items += [
            [int(i), int(o), int(p), int(q), float(s), Decimal(pr)]
            for i, o, p, q, s, pr in export.rows["order_items"]
        ]
    late_id = max(orders) + 1
    late_time = datetime.combine(until + timedelta(days=1), datetime.min.time()) + timedelta(
        hours=2
    )
    orders[late_id] = [late_id, late_time, 1, "PROCESSING"]
    items.append([max(i[0] for i in items) + 1, late_id, 1, 2, 99.98, Decimal("49.99")])
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(OLTP_DDL)
        with connection.cursor() as cursor:
            cursor.executemany("insert into orders values (%s, %s, %s, %s)", list(orders.values()))
            cursor.executemany("insert into order_items values (%s, %s, %s, %s, %s, %s)", items)
    return late_id


def test_the_sales_database_reconciles_like_the_landing_tables(tmp_path, fresh_postgres) -> None:
    store = build_store(tmp_path, "none", days=DAYS, orders=1500)
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    state = json.loads(store.bucket.read_bytes(STATE_KEY))
    late_id = _fill_sales_database(fresh_postgres, state, last)
    start, end = FIRST_DAY + timedelta(days=2), last + timedelta(days=1)

    warehouse = connect(store.warehouse_url)
    try:
        landing = reconcile(warehouse, start, end, ZONE)
        database = reconcile(warehouse, start, end, ZONE, fresh_postgres, store.bucket)
    finally:
        warehouse.close()

    from_landing = {c: a for c, a in landing.by_cause().items() if c != "rounding"}
    from_database = database.by_cause()
    assert from_database.pop("not arrived yet") == Decimal("99.98")
    assert set(database.orders["not arrived yet"]) == {late_id}
    assert {c: a for c, a in from_database.items() if c != "rounding"} == from_landing
    assert sum(database.by_cause().values()) == database.gap
    assert database.warehouse_total == landing.warehouse_total
    assert abs(database.source_total - landing.source_total - Decimal("99.98")) < Decimal("0.01")
    assert "unexplained" not in from_database
