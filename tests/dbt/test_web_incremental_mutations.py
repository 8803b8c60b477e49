"""Mutation checks of the web shop's incremental models: take out one scope rule, the
property fails.

test_web_incremental_schedules.py proves each web model equal to a full refresh, on random
schedules and on the fixed ones of web_schedules.py; these prove it would notice if it were
not. Each case copies the dbt project, replaces one rule of one model (the text must be
there, so a rewrite of the model fails here first instead of passing vacuously) and delivers
the fixed schedule that needs the rule: the comparison with the full refresh must then fail,
on that model.
"""

from __future__ import annotations

import pytest

import shopsight.build
from delivery_schedules import Schedule, Tally, deliver_and_compare, mutated_project
from shopsight.storage import Bucket
from web_schedules import (
    COMPARED,
    orders_first,
    orders_in_reverse,
    reversed_days,
    sessions_completed_after_orders,
    split_store,
    transactions_each_step,
    users_a_day_at_a_time,
)


@pytest.fixture(scope="module")
def store() -> tuple[Bucket, list[str]]:
    return split_store()


# The mutation checks of the web models: (file, rule, what replaces it, the table that must
# then differ from the full refresh, its model, the fixed schedule that needs the rule).
MUTATIONS = {
    "sessions: the sessions loaded since are rebuilt": (
        "models/intermediate/web/int_web_sessions.sql",
        "where loaded_at >= {{ watermark_literal('loaded_at') }}",
        "where loaded_at < {{ watermark_literal('loaded_at') }}",
        "intermediate.int_web_sessions",
        "int_web_sessions",
        reversed_days,
    ),
    "session facts: a user's later sessions are renumbered": (
        "models/marts/web/fct_sessions.sql",
        "        or user_sessions.started_at >= renumbered_from.started_from",
        "        or false",
        "web.fct_sessions",
        "fct_sessions",
        reversed_days,
    ),
    "users: the users loaded since are built": (
        "models/marts/web/dim_users.sql",
        "    where loaded_at >= {{ watermark_literal() }}",
        "    where loaded_at < {{ watermark_literal() }}",
        "web.dim_users",
        "dim_users",
        reversed_days,
    ),
    "users: a user whose loyalty score changed is rebuilt": (
        "models/marts/web/dim_users.sql",
        "        or user_id in (select user_id from rescored)",
        "",
        "web.dim_users",
        "dim_users",
        users_a_day_at_a_time,
    ),
    "events: the sessions of a user loaded since are re-keyed": (
        "macros/web_sessions_in_scope.sql",
        "on users.user_id = events.user_id",
        "on users.user_id = events.user_id and false",
        "web.fct_events",
        "fct_events",
        reversed_days,
    ),
    "attribution: a user's orders after a session loaded since are rebuilt": (
        "models/intermediate/web/int_web_order_sessions.sql",
        "        and orders.ordered_at >= touched_from.ordered_from",
        "        and false",
        "intermediate.int_web_order_sessions",
        "int_web_order_sessions",
        orders_first,
    ),
    "web orders: an order attributed to a session loaded since is rebuilt": (
        "models/marts/web/web_fct_orders.sql",
        "    where loaded_at >= {{ loaded_after }}\n),\n\n-- A changed order",
        "    where false\n),\n\n-- A changed order",
        "web.fct_orders",
        "web_fct_orders",
        sessions_completed_after_orders,
    ),
    "web orders: a user's later orders are renumbered": (
        "models/marts/web/web_fct_orders.sql",
        "        and orders.ordered_at >= renumbered_from.ordered_from",
        "        and false",
        "web.fct_orders",
        "web_fct_orders",
        orders_in_reverse,
    ),
    "web order items: a product loaded since re-keys its items": (
        "models/marts/web/web_fct_order_items.sql",
        "        or product_id in (select product_id from products_since)",
        "        or false and product_id in (select product_id from products_since)",
        "web.fct_order_items",
        "web_fct_order_items",
        orders_first,
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
        compare_every_step=schedule_of is reversed_days,  # the fixed ones: at the end
        after_ingest=transactions_each_step,
    )
    with pytest.raises(AssertionError, match=f"^{table} after step"):
        deliver_and_compare(source, tmp_path, schedule, Tally())
