"""Mutation checks of the incremental models: take out one scope rule, the property fails.

The property tests (test_incremental_schedules.py) prove each incremental model equal to a
full refresh; these prove they would notice if it were not. Each case copies the dbt
project, removes one rule of one model (the text must still be there, so a rewrite of the
model fails here first instead of passing vacuously) and delivers a store over a schedule
that needs that rule: the comparison with the full refresh must then fail, on that model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest

import shopsight.build
from delivery_schedules import Schedule, Tally, deliver_and_compare, mutated_project
from shopsight.generate.export import generate_retail_db
from shopsight.storage import Bucket

SELECT = "+fct_orders +fct_daily_product_sales"
DAYS = 6
COMPARED = {
    "marts.dim_customers": "select * exclude (source_loaded_at) from marts.dim_customers "
    "order by customer_id",
    "marts.fct_order_items": "select * exclude (source_loaded_at) from marts.fct_order_items "
    "order by order_item_id",
    "marts.fct_orders": "select * exclude (source_loaded_at) from marts.fct_orders "
    "order by order_id",
    "marts.fct_daily_product_sales": "select * exclude (source_loaded_at) "
    "from marts.fct_daily_product_sales order by sales_date, product_id",
}


@dataclass
class Mutation:
    model: str  # the file, its path in the dbt project
    rule: str  # the text taken out
    instead: str  # what stands in its place
    schedule: str  # which delivery order needs the rule (see _step_of)
    fails_on: str  # the table whose comparison must fail


MUTATIONS = {
    "daily sales: running totals go on from the kept days": Mutation(
        "models/marts/fct_daily_product_sales.sql",
        "coalesce(carried.units_to_date, 0) + windowed.units_since_rebuilt",
        "windowed.units_since_rebuilt",
        "last day's lines late",
        "marts.fct_daily_product_sales",
    ),
    "daily sales: lookback windows count the kept days": Mutation(
        "models/marts/fct_daily_product_sales.sql",
        "    where built.sales_date < rebuilt_from.first_day\n",
        "    where 1 = 0 and built.sales_date < rebuilt_from.first_day\n",
        "last day's lines late",
        "marts.fct_daily_product_sales",
    ),
    "customers: the customers loaded since are read": Mutation(
        "models/marts/dim_customers.sql",
        "where loaded_at >= {{ watermark_literal() }}",
        "where loaded_at < {{ watermark_literal() }}",
        "customers late",
        "marts.dim_customers",
    ),
    "orders: orders of the unknown customer are rebuilt": Mutation(
        "models/marts/fct_orders.sql",
        "    where customer_id in (\n        {{ customers_first_loaded_since",
        "    where false and customer_id in (\n        {{ customers_first_loaded_since",
        "customers late",
        "marts.fct_orders",
    ),
    "order lines: lines on a superseded product version are rebuilt": Mutation(
        "models/marts/fct_order_items.sql",
        "    union\n    select order_item_id from stale_lines\n",
        "",
        "price history late",
        "marts.fct_order_items",
    ),
}


@pytest.fixture(scope="module")
def store() -> tuple[Bucket, list[str]]:
    bucket = Bucket(f"memory://mutations-{uuid.uuid4().hex[:8]}")
    generate_retail_db(bucket, date(2024, 1, 1), DAYS, 240, 7, "none")
    return bucket, [info.key for info in bucket.list("landing/")]


def _step_of(schedule: str, keys: list[str]) -> dict[str, int]:
    """Three steps: most files, then the last day's orders (and lines), then what the
    schedule holds back.

    A run re-reads the rows of the latest load it has seen (the watermark is inclusive),
    and the first step's loads hold every order: step 1 narrows the watermark to the last
    day's orders file, which re-delivers only the orders of the three days before it, so
    the rows step 2 needs come back through the rule under test alone."""
    last = f"dt=2024-01-0{DAYS}/"

    def step(key: str) -> int:
        held_back = {
            "last day's lines late": "/order_items/" in key and last in key,
            "customers late": "/customers/" in key,
            "price history late": "/products/" in key and "dt=2024-01-01/" not in key,
        }[schedule]
        if held_back:
            return 2
        return 1 if last in key and ("/orders/" in key or "/order_items/" in key) else 0

    return {key: step(key) for key in keys}


@pytest.mark.timeout(600)  # a ceiling for slow machines, not a timing check
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_taking_out_a_scope_rule_breaks_the_property(name, store, tmp_path, monkeypatch) -> None:
    mutation = MUTATIONS[name]
    source, keys = store
    project = mutated_project(tmp_path, mutation.model, mutation.rule, mutation.instead)
    monkeypatch.setattr(shopsight.build, "DBT_PROJECT_DIR", project)
    # Only the failing model and what it reads are built: the other models cannot differ.
    schedule = Schedule(
        step_of=_step_of(mutation.schedule, keys),
        select="+" + mutation.fails_on.split(".")[1],
        compared={mutation.fails_on: COMPARED[mutation.fails_on]},
        compare_every_step=False,
    )
    with pytest.raises(AssertionError, match=f"^{mutation.fails_on} after step 2"):
        deliver_and_compare(source, tmp_path, schedule, Tally())


@pytest.mark.timeout(600)
@pytest.mark.parametrize("schedule", sorted({m.schedule for m in MUTATIONS.values()}))
def test_the_schedules_pass_with_every_rule(schedule, store, tmp_path) -> None:
    """The same schedules on the shipped project: equal, so each failure above is the
    mutation's."""
    source, keys = store
    tally = Tally()
    deliver_and_compare(
        source,
        tmp_path,
        Schedule(
            step_of=_step_of(schedule, keys),
            select=SELECT,
            compared=COMPARED,
            compare_every_step=False,
        ),
        tally,
    )
    assert tally.steps == 3 and tally.comparisons == len(COMPARED)
