"""`generate next-day` lands the day after the latest one, continuing the same store."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopsight.generate.export import CARRIED_KEY, generate_retail_db
from shopsight.generate.next_day import generate_next_day
from shopsight.generate.retail_db import Orders, RetailDbSimulation, StoreShape
from shopsight.generate.summary import GenerationError
from shopsight.generate.thelook import TheLookSimulation
from shopsight.generate.thelook_export import STATE_KEY as THELOOK_STATE_KEY
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    forget=st.sets(st.integers(0, 4)),
)
def test_a_store_written_in_runs_is_the_store_written_at_once(runs, forget) -> None:
    """Each run resumes from the state the one before saved (or, where that state is
    lost, replays from the first day): every file is the one a single run writes."""
    days = sum(runs)
    whole, pieces = fresh_bucket(), fresh_bucket()
    generate_retail_db(whole, START, days, 700 * days, 9, "none")
    first = START
    for number, length in enumerate(runs):
        if number in forget and pieces.exists(CARRIED_KEY):
            pieces.delete(CARRIED_KEY)
        generate_retail_db(pieces, first, length, 700 * length, 9, "none")
        first += timedelta(days=length)
    keys = [info.key for info in whole.list("landing/")]
    assert keys == [info.key for info in pieces.list("landing/")]
    for key in keys:
        assert whole.read_bytes(key) == pieces.read_bytes(key), key


def test_the_next_day_resumes_without_replaying_the_history() -> None:
    bucket = _store()
    saved = RetailDbSimulation.resumed(StoreShape(7, START, 150.0), bucket.read_bytes(CARRIED_KEY))
    assert saved is not None and saved.next_day == date(2024, 3, 5)
    simulate = RetailDbSimulation._orders
    with mock.patch.object(RetailDbSimulation, "_orders", autospec=True) as days_simulated:
        days_simulated.side_effect = simulate
        generate_next_day(bucket)
    assert days_simulated.call_count == 1  # not the four days before it again
    assert bucket.exists("landing/retail_db/orders/dt=2024-03-05/part-00000.csv")


def test_the_saved_state_holds_everything_a_day_carries_on() -> None:
    """A store whose customers move often enough to move twice: the state read back
    equals the one saved, field by field, and both go on with the same days."""
    shape = StoreShape(3, START, 4000.0)
    going = RetailDbSimulation(shape)
    for _ in going.days(START + timedelta(days=29)):
        pass
    back = RetailDbSimulation.resumed(shape, going.state())
    assert back is not None and back.next_day == going.next_day
    assert (back._next_order_id, back._next_item_id, back._carry) == (
        going._next_order_id,
        going._next_item_id,
        going._carry,
    )
    assert back._prices is not None and going._prices is not None
    assert np.array_equal(back._prices, going._prices)
    moved = np.flatnonzero(going._moves)
    assert going._moves.max() > 1  # some customer moved twice
    assert np.array_equal(back._moves[moved], going._moves[moved])
    assert not back._moves[np.setdiff1d(np.arange(len(back._moves)), moved)].any()
    assert sorted(back._pending) == sorted(going._pending)
    for target, parts in going._pending.items():
        for saved, kept in zip(back._pending[target], parts, strict=True):
            for name in Orders.FIELDS:
                assert np.array_equal(getattr(saved, name), getattr(kept, name))
    until = START + timedelta(days=33)
    for resumed, continued in zip(back.days(until), going.days(until), strict=True):
        for table in ("customers", "orders", "order_items", "products"):
            assert resumed.csv(table) == continued.csv(table), (resumed.day, table)


def test_the_web_shops_next_day_goes_on_from_the_saved_ids() -> None:
    """The web shop's next day takes up the event and inventory ids its last run saved
    instead of skipping every day before it, and makes the same files as a store whose
    saved ids were lost (its days skipped one by one); so does the day after."""
    carried, replayed = _store(), _store()
    state = json.loads(replayed.read_bytes(THELOOK_STATE_KEY))
    assert state["next_day"] == "2024-03-05"
    for name in ("next_day", "event_id", "inventory_id"):
        state.pop(name)
    replayed.write_bytes(THELOOK_STATE_KEY, json.dumps(state).encode())
    skip = TheLookSimulation.skip_day
    for bucket, days_skipped in ((carried, 0), (replayed, 4)):
        with mock.patch.object(TheLookSimulation, "skip_day", autospec=True) as skipped:
            skipped.side_effect = skip
            generate_next_day(bucket)
        assert skipped.call_count == days_skipped
        generate_next_day(bucket)  # the day after: both go on from the ids just saved
    keys = [info.key for info in carried.list("landing/thelook/")]
    assert keys == [info.key for info in replayed.list("landing/thelook/")]
    assert "landing/thelook/events/dt=2024-03-06/part-00000.csv" in keys
    for key in keys:
        assert carried.read_bytes(key) == replayed.read_bytes(key), key


def test_saved_web_ids_for_another_day_are_not_taken_up() -> None:
    """The store's export ran a day ahead of the web shop: the web shop's next day is a day
    after the one its ids were saved for, so the days before it are skipped, not assumed."""
    bucket = _store()
    generate_retail_db(bucket, START + timedelta(days=4), 1, 600, 7, "none")  # 2024-03-05
    skip = TheLookSimulation.skip_day
    with mock.patch.object(TheLookSimulation, "skip_day", autospec=True) as skipped:
        skipped.side_effect = skip
        written = generate_next_day(bucket)
    assert written.day == date(2024, 3, 6)
    assert skipped.call_count == 5  # 2024-03-01 to 2024-03-05, the last never written
