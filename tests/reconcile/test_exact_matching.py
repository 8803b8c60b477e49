"""The set-based matching on hand-made marts: half-cent ties, float totals and order times
around a daylight-saving change, checked against Python's own Decimal and ZoneInfo."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shopsight.ingest.ledger import OPS_DDL
from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile
from shopsight.reconcile.match import offsets

ZONE = "America/Los_Angeles"  # clocks went forward at 2024-03-10 10:00 UTC
FIRST, LAST = date(2024, 3, 9), date(2024, 3, 11)
# (order id, UTC order time, the sales system's stored total)
ORDERS = [
    (1, datetime(2024, 3, 9, 12, 0), "12.345"),  # a tie: half to even, 12.34
    (2, datetime(2024, 3, 9, 12, 0), "12.355"),  # a tie: half to even, 12.36
    (3, datetime(2024, 3, 10, 7, 59, 59), "59.980000000000004"),  # 23:59:59 on the 9th (PST)
    (4, datetime(2024, 3, 10, 8, 0), "0.30000000000000004"),  # 00:00 on the 10th (PST)
    (5, datetime(2024, 3, 11, 6, 59, 59), "100.0"),  # 23:59:59 on the 10th (PDT)
    (6, datetime(2024, 3, 11, 7, 0), "7.004999999999999"),  # 00:00 on the 11th (PDT)
    (7, datetime(2024, 3, 11, 23, 30), "1234567.125"),  # a tie at large value: 1234567.12
    (8, datetime(2024, 3, 9, 3, 0), "5.675"),  # the 8th locally: the sales system's day is
    # outside the period, the warehouse's (UTC) inside
]
# The marts' orders and the landing orders, as much of them as the matching reads.
MARTS_AND_ORDERS = (
    "create schema marts; create table marts.fct_orders (order_id bigint, "
    "ordered_at timestamp, order_status varchar, is_net_revenue boolean, "
    "loaded_line_value decimal(18, 2), incomplete_reason varchar); "
    "create schema retail_db; create table retail_db.orders (order_id bigint, "
    "order_date timestamp)"
)


def _cents(total: Decimal) -> Decimal:
    return total.quantize(Decimal("0.01"))  # Decimal's default: half to even


def _local(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE)).date()


@pytest.fixture
def warehouse(tmp_path):
    database = connect(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    database.execute_script(OPS_DDL)
    database.execute_script(MARTS_AND_ORDERS)
    for order_id, ordered_at, total in ORDERS:  # the warehouse holds each order to the cent
        database.execute(
            "insert into marts.fct_orders values (?, ?, 'COMPLETE', true, ?, null)",
            [order_id, ordered_at, _cents(Decimal(total))],
        )
    yield database
    database.close()


def test_half_cent_ties_and_daylight_saving_match_python(warehouse, tmp_path) -> None:
    export = tmp_path / "sales.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "order_date", "order_status", "item_count", "order_total"])
        for order_id, ordered_at, total in ORDERS:
            local = ordered_at.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE))
            writer.writerow([order_id, local.strftime("%Y-%m-%d %H:%M:%S"), "COMPLETE", 1, total])

    result = reconcile(warehouse, FIRST, LAST, ZONE, str(export))

    rounding: dict[date, Decimal] = {}
    boundary: dict[date, Decimal] = {}
    for _, ordered_at, text in ORDERS:
        total, day, utc_day = Decimal(text), _local(ordered_at), ordered_at.date()
        if FIRST <= day <= LAST and total != _cents(total):
            rounding[day] = rounding.get(day, Decimal(0)) + total - _cents(total)
        if day != utc_day:  # out on its local day, in on its UTC day, each within the period
            if FIRST <= day <= LAST:
                boundary[day] = boundary.get(day, Decimal(0)) + _cents(total)
            if FIRST <= utc_day <= LAST:
                boundary[utc_day] = boundary.get(utc_day, Decimal(0)) - _cents(total)
    found = result.by_day()
    assert {d: c["rounding"] for d, c in found.items() if "rounding" in c} == rounding
    assert {d: c["day boundary"] for d, c in found.items() if "day boundary" in c} == {
        d: a for d, a in boundary.items() if a
    }
    assert set(result.by_cause()) == {"rounding", "day boundary"}  # nothing unexplained
    assert result.source_orders == 7  # order 8 only on the warehouse's side of the period
    assert 8 in result.orders["day boundary"] and 8 not in result.orders["rounding"]


def test_offsets_follow_the_zone_to_the_second() -> None:
    low, high = datetime(2024, 1, 1), datetime(2025, 1, 1)
    steps = offsets(ZoneInfo(ZONE), low, high)
    assert [moment for moment, _ in steps[1:]] == [
        datetime(2024, 3, 10, 10, 0),
        datetime(2024, 11, 3, 9, 0),
    ]
    for moment, seconds in steps:
        for probe in (moment, moment + timedelta(hours=5)):
            offset = probe.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE)).utcoffset()
            assert offset == timedelta(seconds=seconds)
        before = moment - timedelta(seconds=1)
        if before >= low:
            assert before.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE)).utcoffset() != (
                timedelta(seconds=seconds)
            )


def test_the_landing_total_adds_an_orders_lines_in_line_order(tmp_path) -> None:
    """The sales system adds an order's lines as floats, in line order; any other order can
    change the last digit (0.1 + 0.2 + 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6),
    and with it the rounding cause, from one run to the next."""
    database = connect(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    database.execute_script(OPS_DDL)
    database.execute_script(
        MARTS_AND_ORDERS + "; create table retail_db.order_items (order_item_id bigint, "
        "order_item_order_id bigint, order_item_subtotal decimal(18, 2))"
    )
    ordered_at = datetime(2024, 3, 9, 20, 0)
    database.execute("insert into retail_db.orders values (1, ?)", [ordered_at])
    database.execute(
        "insert into marts.fct_orders values (1, ?, 'COMPLETE', true, 0.60, null)", [ordered_at]
    )
    for item_id, subtotal in [(3, "0.3"), (2, "0.2"), (1, "0.1")]:  # stored last line first
        database.execute(
            "insert into retail_db.order_items values (?, 1, ?)", [item_id, Decimal(subtotal)]
        )
    in_line_order = Decimal(repr(0.1 + 0.2 + 0.3))
    try:
        result = reconcile(database, FIRST, LAST, ZONE)
    finally:
        database.close()

    assert result.source_total == in_line_order
    assert result.by_cause() == {"rounding": in_line_order - Decimal("0.60")}
