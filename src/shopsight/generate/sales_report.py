"""The sales system's order export, as the sales team's report sees the store.

The sales system is the store itself, not its export files: ``generate sales-report``
replays the retail_db simulation held in the bucket, so the report has every order (also
those whose files have not reached the bucket, and the true values of rows that a faulty
export corrupted). It follows the sales system's conventions:

- one row per order, ``order_id,order_date,order_status,item_count,order_total``;
- ``order_date`` in local time of the business time zone; a day is a local day;
- ``order_total`` is the gross value, every status, stored as a float: the float sum of the
  lines' subtotals, printed as the system prints floats (``59.980000000000004``);
- an order amended while the export ran is listed twice (``--duplicates`` of them).

Beside the file, ``<file>.manifest.json`` records the conventions and the true amounts of the
causes the generator knows: the float rounding, the duplicate listings, and the orders whose
day has no file in the bucket yet.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from shopsight.generate.export import SOURCE, STATE_KEY
from shopsight.generate.retail_db import TIMESTAMP_FORMAT, RetailDbSimulation, StoreShape
from shopsight.generate.summary import GenerationError
from shopsight.reconcile.sales import EXPORT_COLUMNS, EXPORT_TIME_FORMAT
from shopsight.storage import Bucket


@dataclass
class _Order:
    ordered_at: datetime  # UTC
    status: str
    float_total: float = 0.0
    exact_total: Decimal = Decimal(0)
    items: int = 0


@dataclass
class SalesReport:
    """What ``generate sales-report`` wrote, and the true amounts it knows."""

    path: Path
    manifest: Path
    orders: int = 0
    rows: int = 0
    total: Decimal = Decimal(0)
    truth: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "manifest": str(self.manifest),
            "orders": self.orders,
            "rows": self.rows,
            "total": str(self.total),
            "truth": self.truth,
        }


def generate_sales_report(
    bucket: Bucket,
    start: date,
    end: date,
    business_timezone: str,
    out: Path,
    duplicates: int = 5,
    on_day: Callable[[date], None] | None = None,
) -> SalesReport:
    """Write the sales system's order export for local days ``start``..``end``.

    Raises:
        GenerationError: the bucket holds no retail_db simulation, or the range is empty.
        KeyError: unknown time zone.
    """
    if end < start:
        raise GenerationError(f"--to {end} is before --from {start}")
    zone = ZoneInfo(business_timezone)
    orders = _replay(bucket, start, end, on_day)
    local = {
        order_id: order.ordered_at.replace(tzinfo=UTC).astimezone(zone)
        for order_id, order in orders.items()
    }
    listed = sorted(i for i, moment in local.items() if start <= moment.date() <= end)
    rng = random.Random(f"sales-report:{start}:{end}")
    twice = set(rng.sample(listed, min(duplicates, len(listed))))
    delivered = _delivered_days(bucket)
    report = SalesReport(out, out.with_name(out.name + ".manifest.json"))
    rounding = Decimal(0)
    undelivered: list[int] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for order_id in listed:
            order = orders[order_id]
            row = [
                order_id,
                local[order_id].strftime(EXPORT_TIME_FORMAT),
                order.status,
                order.items,
                repr(order.float_total),
            ]
            for _ in range(2 if order_id in twice else 1):
                writer.writerow(row)
                report.rows += 1
                report.total += Decimal(repr(order.float_total))
            report.orders += 1
            rounding += Decimal(repr(order.float_total)) - order.exact_total
            if order.ordered_at.date() not in delivered:
                undelivered.append(order_id)
    report.truth = {
        "rounding": str(rounding),
        "duplicates": {
            "amount": str(sum((Decimal(repr(orders[i].float_total)) for i in twice), Decimal(0))),
            "order_ids": sorted(twice),
        },
        "not_arrived": {
            "amount": str(sum((orders[i].exact_total for i in undelivered), Decimal(0))),
            "order_ids": undelivered,
        },
    }
    _write_manifest(report, start, end, business_timezone)
    return report


def _replay(
    bucket: Bucket, start: date, end: date, on_day: Callable[[date], None] | None
) -> dict[int, _Order]:
    """Every order placed from the day before ``start`` to the day after ``end`` (UTC)."""
    if not bucket.exists(STATE_KEY):
        raise GenerationError(
            f"{bucket.url}: no retail_db simulation here; run `shopsight generate retail-db` first"
        )
    state = json.loads(bucket.read_bytes(STATE_KEY))
    origin = date.fromisoformat(state["origin"])
    shape = StoreShape(int(state["seed"]), origin, float(state["orders_per_day"]))
    first, last = start - timedelta(days=1), end + timedelta(days=1)
    orders: dict[int, _Order] = {}
    for export in RetailDbSimulation(shape).days(last):
        for order_id, stamp, _, status in export.rows["orders"]:
            ordered_at = datetime.strptime(stamp, TIMESTAMP_FORMAT)
            if int(order_id) in orders:
                orders[int(order_id)].status = status
            elif first <= ordered_at.date() <= last:
                orders[int(order_id)] = _Order(ordered_at, status)
        for _, order_id, _, _, subtotal, _ in export.rows["order_items"]:
            order = orders.get(int(order_id))
            if order is not None:
                order.float_total += float(subtotal)
                order.exact_total += Decimal(subtotal)
                order.items += 1
        if on_day and export.day >= first:
            on_day(export.day)
    return orders


def _delivered_days(bucket: Bucket) -> set[date]:
    days = set()
    for info in bucket.list(f"landing/{SOURCE}/orders/"):
        folder = info.key.split("/")[3]
        if folder.startswith("dt="):
            days.add(date.fromisoformat(folder[3:]))
    return days


def _write_manifest(report: SalesReport, start: date, end: date, business_timezone: str) -> None:
    manifest = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "business_timezone": business_timezone,
        "conventions": {
            "columns": EXPORT_COLUMNS,
            "order_date": f"local time in {business_timezone}; a day is a local day",
            "order_total": "gross order value, every status: float sum of the line subtotals",
            "duplicates": "an order amended while the export ran is listed twice",
        },
        **report.to_json(),
    }
    report.manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
