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

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from delivery_schedules import Schedule, Tally, deliver_and_compare
from shopsight.storage import Bucket
from web_schedules import (
    COMPARED,
    SELECT,
    orders_first,
    orders_in_reverse,
    reversed_days,
    sessions_completed_after_orders,
    split_store,
    transactions_each_step,
    users_a_day_at_a_time,
)

STEPS = 3
EXAMPLES = int(os.environ.get("SHOPSIGHT_PROPERTY_EXAMPLES", "2"))
tally = Tally()


@pytest.fixture(scope="module")
def store() -> tuple[Bucket, list[str]]:
    return split_store()  # each day's events in two files


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("web_schedules")


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
        after_ingest=transactions_each_step,
    )
    deliver_and_compare(source, warehouse_path, schedule, tally)


def test_days_in_reverse_pieces_late_users_last(store, warehouse_path) -> None:
    """Every step renumbers the sessions of users already built and completes sessions built
    from one piece, and the last re-keys every known user's events and sessions from the
    Unknown member."""
    source, keys = store
    schedule = Schedule(
        step_of=reversed_days(keys),
        select=SELECT,
        compared=COMPARED,
        source="thelook",
        after_ingest=transactions_each_step,
    )
    deliver_and_compare(source, warehouse_path, schedule, tally)


def test_sessions_and_products_after_their_orders(store, warehouse_path) -> None:
    """Orders built before their sessions and products are attributed and keyed again when
    those land, and again when their sessions are completed; orders landing last day first
    are renumbered; users landing a day at a time follow their scores (the fixed schedules
    of the mutation checks)."""
    source, keys = store
    for schedule_of in (
        orders_first,
        sessions_completed_after_orders,
        orders_in_reverse,
        users_a_day_at_a_time,
    ):
        schedule = Schedule(
            step_of=schedule_of(keys),
            select=SELECT,
            compared=COMPARED,
            source="thelook",
            compare_every_step=False,
            after_ingest=transactions_each_step,
        )
        deliver_and_compare(source, warehouse_path, schedule, Tally())


def test_zz_report_what_the_property_tried() -> None:
    """Prints the figures for the record (run with -s); fails if the property never ran."""
    print(f"\nweb incremental = full: {tally}")
    assert tally.schedules >= 1 and tally.comparisons == tally.steps * len(COMPARED)
    assert all(count > 0 for count in tally.compared_rows.values()), tally.compared_rows
