"""The thelook generator follows the reference's rules, and every fault gets its outcome."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date

import numpy as np
import pytest

from shopsight.generate.thelook_export import generate_thelook
from shopsight.ingest.loader import ingest
from shopsight.storage import Bucket

from support import assert_every_fault_handled, fresh_bucket


def _rows(bucket: Bucket, table: str) -> list[dict[str, str]]:
    rows = []
    for info in bucket.list(f"landing/thelook/{table}/"):
        rows += list(csv.DictReader(io.StringIO(bucket.read_bytes(info.key).decode())))
    return rows


@pytest.fixture(scope="module")
def clean() -> Bucket:
    bucket = fresh_bucket()
    generate_thelook(bucket, date(2024, 1, 1), 8, 1500, 4)
    return bucket


def test_purchase_events_equal_order_items(clean: Bucket) -> None:
    items = {row["id"] for row in _rows(clean, "order_items")}
    events = _rows(clean, "events")
    assert sum(e["event_type"] == "purchase" for e in events) == len(items)


def test_purchase_sessions_follow_the_funnel(clean: Bucket) -> None:
    sessions: dict[str, list[str]] = defaultdict(list)
    for event in sorted(_rows(clean, "events"), key=lambda e: int(e["sequence_number"])):
        sessions[event["session_id"]].append(event["event_type"])
    for steps in sessions.values():
        if steps[-1] == "purchase":
            n = (len(steps) - 1) // 3
            assert steps in (
                ["home", "department", "product", "cart", "purchase"],
                ["department", "product", "cart"] * n + ["purchase"],
            )
        else:
            assert steps in (
                ["product", "cart", "cancel"],
                ["department", "product", "cart"],
                ["product"],
                ["department", "product"],
            )


def test_orders_are_redelivered_as_status_moves_on(clean: Bucket) -> None:
    deliveries = Counter(row["order_id"] for row in _rows(clean, "orders"))
    assert max(deliveries.values()) > 1
    for row in _rows(clean, "orders"):
        set_times = (bool(row["shipped_at"]), bool(row["delivered_at"]), bool(row["returned_at"]))
        assert (
            set_times
            == {
                "Complete": (True, True, False),
                "Returned": (True, True, True),
                "Shipped": (True, False, False),
                "Processing": (False, False, False),
                "Cancelled": (False, False, False),
            }[row["status"]]
        )


def test_sale_price_is_retail_price(clean: Bucket) -> None:
    prices = {row["id"]: row["retail_price"] for row in _rows(clean, "products")}
    assert all(
        item["sale_price"] == prices[item["product_id"]] for item in _rows(clean, "order_items")
    )


def test_clean_export_loads_without_rejects(clean: Bucket, duckdb_warehouse) -> None:
    report = ingest(clean, duckdb_warehouse, source="thelook")
    assert report.trusted and sum(f.rows_rejected for f in report.files) == 0
    assert not any("orphan_reference" in f.warnings for f in report.files)
    precision = duckdb_warehouse.query(
        "select count(*) filter (where microsecond(created_at) > 0), count(*) from thelook.events"
    )[0]
    assert 0 < precision[0] < precision[1]  # mixed second / microsecond stamps parsed


def test_every_thelook_fault_gets_its_outcome(duckdb_warehouse) -> None:
    bucket = fresh_bucket()
    summary = generate_thelook(bucket, date(2024, 1, 1), 10, 2000, 4, "default")
    assert {f.fault for f in summary.faults} == {
        "non_numeric_amount",
        "empty_not_null_number",
        "orphan_product",
        "impossible_date",
        "too_many_fields",
        "not_accepted_value",
        "unterminated_quote",
        "out_of_range",
        "duplicate_key_in_file",
        "missing_column",
        "truncated_gzip",
    }
    report = ingest(bucket, duckdb_warehouse, source="thelook")
    assert {f.reason for f in report.quarantined_files} == {"missing_column", "truncated_gzip"}
    assert_every_fault_handled(duckdb_warehouse, summary)


def test_drift_files_load_to_the_same_values_and_are_reported(tmp_path) -> None:
    """`--drift` writes the second half in the live dataset's style; it loads to the same
    values as the plain export (money to the cent), every fault still gets its outcome,
    and the drift report names the new column from its first day."""
    from shopsight.contracts.model import load_contract
    from shopsight.ingest.drift import drift_report
    from shopsight.ingest.warehouse import connect

    contract = load_contract("thelook")
    days = ("2024-01-04", "2024-01-06")  # from the middle day to the last
    snapshots = []
    for drift in (False, True):
        bucket = fresh_bucket()
        summary = generate_thelook(bucket, date(2024, 1, 1), 6, 600, 4, "default", drift=drift)
        warehouse = connect(f"duckdb:///{tmp_path}/drift-{drift}.duckdb")
        ingest(bucket, warehouse, source="thelook")
        assert_every_fault_handled(warehouse, summary)
        snapshot = {}
        for name, table in contract.tables.items():
            columns = ", ".join(
                f"round({c.name}, 2)" if c.base_type == "float" else c.name for c in table.columns
            )
            snapshot[name] = sorted(
                map(str, warehouse.query(f"select {columns} from thelook.{name}_history"))
            )
        snapshots.append(snapshot)
        if drift:
            raw = bucket.read_bytes("landing/thelook/order_items/dt=2024-01-06/part-00000.csv")
            assert raw.startswith(b"id,order_id,user_id,product_id,inventory_item_id,sale_price")
            assert b".000000 UTC" in raw and b",null" in raw
            report = [
                (d["table"], d["column"], d["kind"], d["first_day"], d["last_day"])
                for d in drift_report(warehouse)
            ]
            assert report == [
                ("distribution_centers", "distribution_center_geom", "undeclared", *days),
                # The last day's users file lacks created_at: refused whole, not counted.
                ("users", "user_geom", "undeclared", days[0], "2024-01-05"),
            ]
            geom = warehouse.query("select count(user_geom) from thelook.users")[0][0]
            assert geom > 0
        warehouse.close()
    assert snapshots[0] == snapshots[1]


def test_the_transactions_feed_writes_each_record_as_json_line_does() -> None:
    """The feed's lines are made a column at a time; each must read as the one record
    json_line writes (the faults spoil records through it)."""
    import json

    from shopsight.generate.thelook import TheLookSimulation
    from shopsight.generate.transactions import Transactions, json_line

    feed = Transactions.of(TheLookSimulation(4, date(2024, 1, 1), 6, 400))
    everything = np.arange(len(feed.order_id))
    lines = feed.lines(everything)
    assert lines == [json_line(feed.record(i)) for i in everything]
    first = [json.loads(line) for line in lines if not json.loads(line)["is_repeat_purchase"]]
    assert len({t["user_id"] for t in first}) == len(first)  # one first order per user


def test_a_days_transactions_alone_are_the_feeds_lines_of_that_day() -> None:
    """The next day's feed sorts only that day's orders: every day's lines, planned or
    continued, equal the whole feed's lines of the day. A purchase is a repeat exactly
    when its user placed an earlier order (counted here order by order); of a user's two
    orders placed in the same second, the lower order id is the first."""
    import json
    from datetime import timedelta

    from shopsight.generate.thelook import TheLookSimulation
    from shopsight.generate.transactions import Transactions

    start = date(2024, 1, 1)
    simulation = TheLookSimulation(4, start, 6, 400)
    orders = simulation.orders
    owner = np.bincount(orders.user).argmax()
    placed = np.flatnonzero(orders.user == owner)
    first, second = placed[np.argsort(orders.created[placed])][:2]
    orders.created[second] = orders.created[first]  # the user's first second, two orders
    simulation.extend(start + timedelta(days=6))  # a day past the plan: orders added
    orders = simulation.orders
    earliest: dict[int, tuple[int, int]] = {}
    for position, (user, created) in enumerate(zip(orders.user, orders.created, strict=True)):
        earliest[user + 1] = min(
            earliest.get(user + 1, (created, position + 1)), (created, position + 1)
        )
    feed = Transactions.of(simulation)
    days = [start + timedelta(days=n) for n in range(7)]
    for day in days:
        alone = Transactions.of(simulation, day)
        lines = alone.lines(np.arange(len(alone.order_id)))
        assert lines == feed.lines(feed.placed_on(day))
        for line in map(json.loads, lines):
            first_id = earliest[line["user_id"]][1]
            assert line["is_repeat_purchase"] == (line["transaction_id"] != first_id), line
    tied = date(1970, 1, 1) + timedelta(seconds=int(orders.created[first]))
    assert tied in days and int(owner) + 1 in {
        json.loads(line)["user_id"] for line in feed.lines(feed.placed_on(tied))
    }
