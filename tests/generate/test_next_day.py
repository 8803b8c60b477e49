"""`generate next-day` lands the day after the latest one, continuing the same store."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from shopsight.generate.export import generate_retail_db
from shopsight.generate.next_day import generate_next_day
from shopsight.generate.summary import GenerationError
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.storage import Bucket

from support import fresh_bucket

START = date(2024, 3, 1)


def _store() -> Bucket:
    bucket = fresh_bucket()
    generate_retail_db(bucket, START, 4, 600, 7, "none")
    generate_thelook(bucket, START, 4, 300, 7, "none", drift=True)
    generate_transactions(bucket, START, 4, 300, 7, "none")
    return bucket


def _rows(bucket: Bucket, prefix: str) -> list[dict[str, str]]:
    rows = []
    for info in bucket.list(prefix):
        text = bucket.read_bytes(info.key).decode()
        rows += list(csv.DictReader(io.StringIO(text)))
    return rows


def _ids(bucket: Bucket, prefix: str, column: int = 0) -> list[int]:
    ids = []
    for info in bucket.list(prefix):
        lines = bucket.read_bytes(info.key).decode().splitlines()
        ids += [int(line.split(",")[column]) for line in lines]
    return ids


def test_the_next_day_continues_every_source() -> None:
    bucket = _store()
    old_users = {int(r["id"]) for r in _rows(bucket, "landing/thelook/users/")}
    old_orders = {int(r["order_id"]) for r in _rows(bucket, "landing/thelook/orders/")}
    old_events = {r["id"] for r in _rows(bucket, "landing/thelook/events/")}
    old_retail_orders = set(_ids(bucket, "landing/retail_db/orders/"))

    written = generate_next_day(bucket)

    assert written.day == date(2024, 3, 5) and set(written.sources) == {
        "retail_db",
        "thelook",
        "transactions",
    }
    day = "dt=2024-03-05/"
    users = {int(r["id"]) for r in _rows(bucket, f"landing/thelook/users/{day}")}
    assert users and min(users) == max(old_users) + 1  # new sign-ups, ids carry on
    orders = _rows(bucket, f"landing/thelook/orders/{day}")
    new_orders = {int(r["order_id"]) for r in orders if r["created_at"].startswith("2024-03-05")}
    assert new_orders and min(new_orders) == max(old_orders) + 1
    # Earlier orders move on (shipped, delivered) on the new day as well.
    assert {int(r["order_id"]) for r in orders} - new_orders <= old_orders
    events = {r["id"] for r in _rows(bucket, f"landing/thelook/events/{day}")}
    assert events and not events & old_events  # sessions and events carry on, no id twice
    feed = bucket.read_bytes(f"landing/transactions/transactions/{day}part-00000.jsonl")
    assert {json.loads(line)["transaction_id"] for line in feed.splitlines()} == new_orders
    retail_orders = set(_ids(bucket, f"landing/retail_db/orders/{day}"))
    assert retail_orders - old_retail_orders and min(retail_orders - old_retail_orders) > max(
        old_retail_orders
    )


def test_the_next_day_is_the_same_for_the_same_store() -> None:
    first, second = _store(), _store()
    for bucket in (first, second):
        generate_next_day(bucket)
        generate_next_day(bucket)  # and the day after: the store goes on
    for info in first.list("landing/"):
        assert first.read_bytes(info.key) == second.read_bytes(info.key), info.key
    assert first.exists("landing/thelook/events/dt=2024-03-06/part-00000.csv")


def test_the_next_day_of_an_empty_bucket_is_refused() -> None:
    with pytest.raises(GenerationError, match="holds no landed files"):
        generate_next_day(fresh_bucket())
