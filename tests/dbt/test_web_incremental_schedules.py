"""The web facts built incrementally equal a full refresh, over random delivery schedules.

A small thelook store whose every day of events is split into two files (alternate lines),
so most sessions arrive in pieces; each file lands at a random step, sometimes with the users
or the products after the events that name them, sometimes after a first build over nothing.
Each step also lands a few transactions and rescores the users. After every step the web
tables built incrementally (sessions, events, attribution, orders, items, users) must equal,
row for row, the same tables rebuilt with ``--full-refresh``: a late piece of a session
re-derives its product, funnel step and duration; a late session renumbers its user's later
ones and re-attributes their later orders; a late order renumbers its user's later orders; a
late user or product re-keys the rows already built; a new score rebuilds its user.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import shopsight.build
from delivery_schedules import Schedule, Tally, deliver_and_compare, mutated_project
from shopsight.generate.thelook_export import generate_thelook
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

STEPS = 3
EXAMPLES = int(os.environ.get("SHOPSIGHT_PROPERTY_EXAMPLES", "2"))
SELECT = "+fct_events +fct_sessions +web_fct_orders"
COMPARED = {
    "intermediate.int_web_sessions": "select * from intermediate.int_web_sessions "
    "order by session_id",
    "web.fct_events": "select * from web.fct_events order by event_id",
    "web.fct_sessions": "select * from web.fct_sessions order by session_id",
    "intermediate.int_web_order_sessions": "select * from intermediate.int_web_order_sessions "
    "order by order_id",
    "web.fct_order_items": "select * from web.fct_order_items order by order_item_id",
    "web.fct_orders": "select * from web.fct_orders order by order_id",
    "web.dim_users": "select * from web.dim_users order by user_key",
}
tally = Tally()


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("web_schedules")


@pytest.fixture(scope="module")
def store() -> tuple[Bucket, list[str]]:
    """Four days of a small store, each day's events split into two files. Its seed gives
    users who buy on the first day and the last (the reversed schedule renumbers their last
    session only when the first day lands, three steps after it)."""
    bucket = Bucket(f"memory://web-schedules-{uuid.uuid4().hex[:8]}")
    generate_thelook(bucket, date(2024, 1, 1), 4, 150, 12, "none")
    for info in list(bucket.list("landing/thelook/events/")):
        header, *lines = bucket.read_bytes(info.key).decode().splitlines(keepends=True)
        bucket.write_bytes(info.key, (header + "".join(lines[0::2])).encode())
        bucket.write_bytes(
            info.key.replace("part-00000", "part-00001"), (header + "".join(lines[1::2])).encode()
        )
    keys = [info.key for info in bucket.list("landing/thelook/")]
    return bucket, keys


def _transactions_each_step(step: int, url: str, bucket: Bucket) -> None:
    """A transactions file per step, then the loyalty step: some users' scores change at
    every step (users landed or not yet), which dim_users must follow."""
    records = [
        {
            "transaction_id": step * 100 + k,
            "user_id": (step * 13 + k * 29) % 150 + 1,
            "transaction_amount": round(10.25 * (k + 1) - 7 * step, 2),
            "is_repeat_purchase": k % 2 == 1,
            "transacted_at": f"2024-01-0{step % 4 + 1}T12:00:00Z",
        }
        for k in range(6)
    ]
    bucket.write_bytes(
        f"landing/transactions/transactions/dt=2024-01-0{step % 4 + 1}/step-{step}.jsonl",
        "".join(json.dumps(record) + "\n" for record in records).encode(),
    )
    warehouse = connect(url)
    try:
        refresh_loyalty_scores(bucket, warehouse)
    finally:
        warehouse.close()


@pytest.mark.timeout(1200)  # a ceiling for slow machines, not a timing check
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example costs seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_web_facts_incremental_equal_full_refresh(store, warehouse_path, data) -> None:
    source, keys = store
    step_of = {
        key: data.draw(st.integers(0, STEPS - 1), label=key.split("/", 2)[2]) for key in keys
    }
    for dimension in ("users", "products"):
        if data.draw(st.booleans(), label=f"{dimension} after the events"):
            for key in keys:
                if f"/{dimension}/" in key:
                    step_of[key] = STEPS - 1
    schedule = Schedule(
        step_of=step_of,
        select=SELECT,
        compared=COMPARED,
        source="thelook",
        empty_first_build=data.draw(st.booleans(), label="empty first build"),
        after_ingest=_transactions_each_step,
    )
    deliver_and_compare(source, warehouse_path, schedule, tally)


def _reversed(keys: list[str]) -> dict[str, int]:
    """The last day first, then each earlier day a step later, each day's second piece of
    events a further step late, the products first and the users last."""
    last_day = 4

    def step(key: str) -> int:
        if "/products/" in key:
            return 0
        if "/events/" not in key:
            return last_day
        day = int(key.split("dt=2024-01-0")[1][0])
        return min(last_day - day + key.endswith("part-00001.csv"), last_day)

    return {key: step(key) for key in keys}


def test_days_in_reverse_pieces_late_users_last(store, warehouse_path) -> None:
    """Every step renumbers the sessions of users already built and completes sessions built
    from one piece, and the last re-keys every known user's events and sessions from the
    Unknown member."""
    source, keys = store
    schedule = Schedule(
        step_of=_reversed(keys),
        select=SELECT,
        compared=COMPARED,
        source="thelook",
        after_ingest=_transactions_each_step,
    )
    deliver_and_compare(source, warehouse_path, schedule, tally)


def _orders_first(keys: list[str]) -> dict[str, int]:
    """The users and the first two days' orders and items first; the last two days' orders
    and items next (the orders' watermark moves past the first); then the events and the
    products: sessions and products of orders built before them."""

    def step(key: str) -> int:
        if "/products/" in key or "/events/" in key:
            return 2
        day = key.split("dt=2024-01-0")[1][0]
        if ("/orders/" in key or "/order_items/" in key) and day in "34":
            return 1
        return 0

    return {key: step(key) for key in keys}


def _sessions_completed_after_orders(keys: list[str]) -> dict[str, int]:
    """As _orders_first, but the first piece of every day's events lands with the first
    orders (each day's events count as whole from then on) and the second piece last: it
    completes sessions orders were already attributed to."""
    first = _orders_first(keys)
    return {
        key: 0 if key.endswith("part-00000.csv") and "/events/" in key else step
        for key, step in first.items()
    }


def _orders_in_reverse(keys: list[str]) -> dict[str, int]:
    """Everything but the orders and items first; then the last day's orders and items, and
    each earlier day's a step later: an earlier order renumbers its user's later ones."""
    last_day = 4

    def step(key: str) -> int:
        if "/orders/" not in key and "/order_items/" not in key:
            return 0
        return last_day - int(key.split("dt=2024-01-0")[1][0])

    return {key: step(key) for key in keys}


def _users_a_day_at_a_time(keys: list[str]) -> dict[str, int]:
    """Everything but the users first; then each day's users a step after the day before:
    the scores of users landed steps ago change (the users' own watermark has moved on)."""

    def step(key: str) -> int:
        return int(key.split("dt=2024-01-0")[1][0]) - 1 if "/users/" in key else 0

    return {key: step(key) for key in keys}


def test_sessions_and_products_after_their_orders(store, warehouse_path) -> None:
    """Orders built before their sessions and products are attributed and keyed again when
    those land, and again when their sessions are completed; orders landing last day first
    are renumbered; users landing a day at a time follow their scores (the fixed schedules
    of the mutation checks)."""
    source, keys = store
    for schedule_of in (
        _orders_first,
        _sessions_completed_after_orders,
        _orders_in_reverse,
        _users_a_day_at_a_time,
    ):
        schedule = Schedule(
            step_of=schedule_of(keys),
            select=SELECT,
            compared=COMPARED,
            source="thelook",
            compare_every_step=False,
            after_ingest=_transactions_each_step,
        )
        deliver_and_compare(source, warehouse_path, schedule, Tally())


# The mutation checks of the web models: (file, rule, what replaces it, the table that must
# then differ from the full refresh, its model, the fixed schedule that needs the rule).
MUTATIONS = {
    "sessions: the sessions loaded since are rebuilt": (
        "models/intermediate/web/int_web_sessions.sql",
        "where loaded_at >= ({{ loaded_after_watermark('loaded_at') }})",
        "where loaded_at < ({{ loaded_after_watermark('loaded_at') }})",
        "intermediate.int_web_sessions",
        "int_web_sessions",
        _reversed,
    ),
    "session facts: a user's later sessions are renumbered": (
        "models/marts/web/fct_sessions.sql",
        "        or user_sessions.started_at >= renumbered_from.started_from",
        "        or false",
        "web.fct_sessions",
        "fct_sessions",
        _reversed,
    ),
    "users: the users loaded since are built": (
        "models/marts/web/dim_users.sql",
        "    where loaded_at >= ({{ loaded_after_watermark() }})",
        "    where loaded_at < ({{ loaded_after_watermark() }})",
        "web.dim_users",
        "dim_users",
        _reversed,
    ),
    "users: a user whose loyalty score changed is rebuilt": (
        "models/marts/web/dim_users.sql",
        "        or user_id in (select user_id from rescored)",
        "",
        "web.dim_users",
        "dim_users",
        _users_a_day_at_a_time,
    ),
    "events: the sessions of a user loaded since are re-keyed": (
        "macros/web_sessions_in_scope.sql",
        "on users.user_id = events.user_id",
        "on users.user_id = events.user_id and false",
        "web.fct_events",
        "fct_events",
        _reversed,
    ),
    "attribution: a user's orders after a session loaded since are rebuilt": (
        "models/intermediate/web/int_web_order_sessions.sql",
        "        and orders.ordered_at >= touched_from.ordered_from",
        "        and false",
        "intermediate.int_web_order_sessions",
        "int_web_order_sessions",
        _orders_first,
    ),
    "web orders: an order attributed to a session loaded since is rebuilt": (
        "models/marts/web/web_fct_orders.sql",
        "    where loaded_at >= (select loaded_after from since)\n),\n\n-- A changed order",
        "    where false\n),\n\n-- A changed order",
        "web.fct_orders",
        "web_fct_orders",
        _sessions_completed_after_orders,
    ),
    "web orders: a user's later orders are renumbered": (
        "models/marts/web/web_fct_orders.sql",
        "        and orders.ordered_at >= renumbered_from.ordered_from",
        "        and false",
        "web.fct_orders",
        "web_fct_orders",
        _orders_in_reverse,
    ),
    "web order items: a product loaded since re-keys its items": (
        "models/marts/web/web_fct_order_items.sql",
        "        or product_id in (select product_id from products_since)",
        "        or false and product_id in (select product_id from products_since)",
        "web.fct_order_items",
        "web_fct_order_items",
        _orders_first,
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_taking_out_a_scope_rule_breaks_the_property(name, store, tmp_path, monkeypatch) -> None:
    """Each rule taken out of a copy of the project, its fixed schedule (which the shipped
    project passes, above) must tell: the built table differs from the full refresh."""
    file, rule, instead, table, model, schedule_of = MUTATIONS[name]
    source, keys = store
    monkeypatch.setattr(
        shopsight.build, "DBT_PROJECT_DIR", mutated_project(tmp_path, file, rule, instead)
    )
    schedule = Schedule(
        step_of=schedule_of(keys),
        select="+" + model,
        compared={table: COMPARED[table]},
        source="thelook",
        compare_every_step=schedule_of is _reversed,  # the fixed ones: at the end
        after_ingest=_transactions_each_step,
    )
    with pytest.raises(AssertionError, match=f"^{table} after step"):
        deliver_and_compare(source, tmp_path, schedule, Tally())


def test_zz_report_what_the_property_tried() -> None:
    """Prints the figures for the record (run with -s); fails if the property never ran."""
    print(f"\nweb incremental = full: {tally}")
    assert tally.schedules >= 1 and tally.comparisons == tally.steps * len(COMPARED)
    assert all(count > 0 for count in tally.compared_rows.values()), tally.compared_rows
