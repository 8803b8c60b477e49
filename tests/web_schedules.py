"""The web shop's delivery schedules, shared by its property tests and mutation checks.

A small thelook store whose every day of events is split into two files (alternate lines),
so most sessions arrive in pieces; the fixed schedules that each scope rule needs; and a
transactions feed landed (and the users rescored) at every step.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

from shopsight.generate.thelook_export import generate_thelook
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

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


def split_store() -> tuple[Bucket, list[str]]:
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


def transactions_each_step(step: int, url: str, bucket: Bucket) -> None:
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


def reversed_days(keys: list[str]) -> dict[str, int]:
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


def orders_first(keys: list[str]) -> dict[str, int]:
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


def sessions_completed_after_orders(keys: list[str]) -> dict[str, int]:
    """As orders_first, but the first piece of every day's events lands with the first
    orders (each day's events count as whole from then on) and the second piece last: it
    completes sessions orders were already attributed to."""
    first = orders_first(keys)
    return {
        key: 0 if key.endswith("part-00000.csv") and "/events/" in key else step
        for key, step in first.items()
    }


def orders_in_reverse(keys: list[str]) -> dict[str, int]:
    """Everything but the orders and items first; then the last day's orders and items, and
    each earlier day's a step later: an earlier order renumbers its user's later ones."""
    last_day = 4

    def step(key: str) -> int:
        if "/orders/" not in key and "/order_items/" not in key:
            return 0
        return last_day - int(key.split("dt=2024-01-0")[1][0])

    return {key: step(key) for key in keys}


def users_a_day_at_a_time(keys: list[str]) -> dict[str, int]:
    """Everything but the users first; then each day's users a step after the day before:
    the scores of users landed steps ago change (the users' own watermark has moved on)."""

    def step(key: str) -> int:
        return int(key.split("dt=2024-01-0")[1][0]) - 1 if "/users/" in key else 0

    return {key: step(key) for key in keys}
