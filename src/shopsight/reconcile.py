"""Revenue reconciliation: why the sales system's daily revenue differs from the warehouse's.

The sales system (here: the landing tables, the OLTP's own view of orders) counts gross
order value, every status, by order time in the business time zone, summing the export's
floating-point subtotals. The warehouse (``marts.fct_orders``) counts net revenue, exact
decimals, by the UTC day. Matching is per order, and each order's difference is split into
named causes whose amounts add up exactly to the gap:

- ``excluded: <STATUS>``: gross value the revenue definition leaves out (that status);
- ``day boundary``: the order falls on a different day in the business time zone than in UTC;
- ``rounding``: float sum of subtotals vs the exact decimal line revenue;
- ``not yet in the marts``: in the landing tables, not yet built into the marts;
- ``unexplained``: whatever remains.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shopsight.ingest.warehouse import Warehouse

ZERO = Decimal(0)
ROUNDING_PER_LINE = Decimal("0.005")  # float noise per summed subtotal, never a price change


@dataclass
class Reconciliation:
    """Per day and cause: amount and orders; the two totals and the gap they explain."""

    start: date
    end: date
    business_timezone: str
    source_total: Decimal = ZERO
    warehouse_total: Decimal = ZERO
    causes: dict[tuple[date, str], Decimal] = field(default_factory=dict)
    orders: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @property
    def gap(self) -> Decimal:
        return self.source_total - self.warehouse_total

    def by_cause(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (_, cause), amount in self.causes.items():
            totals[cause] += amount
        return dict(sorted(totals.items()))

    @property
    def unexplained(self) -> Decimal:
        return self.by_cause().get("unexplained", ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "business_timezone": self.business_timezone,
            "source_total": str(self.source_total),
            "warehouse_total": str(self.warehouse_total),
            "gap": str(self.gap),
            "causes": {
                cause: {"amount": str(amount), "orders": len(self.orders[cause])}
                for cause, amount in self.by_cause().items()
            },
            "days": [
                {"day": day.isoformat(), "cause": cause, "amount": str(amount)}
                for (day, cause), amount in sorted(self.causes.items())
            ],
            "order_ids": {cause: sorted(ids) for cause, ids in self.orders.items()},
        }


def reconcile(
    warehouse: Warehouse, start: date, end: date, business_timezone: str = "UTC"
) -> Reconciliation:
    """Reconcile revenue per day from ``start`` to ``end`` (inclusive)."""
    zone = ZoneInfo(business_timezone)
    result = Reconciliation(start, end, business_timezone)
    low = datetime.combine(start - timedelta(days=2), datetime.min.time())
    high = datetime.combine(end + timedelta(days=3), datetime.min.time())
    source: dict[int, tuple[date, float, int, str]] = {}
    for order_id, ordered_at, status, subtotal_sum, lines in warehouse.query(
        "select o.order_id, o.order_date, o.order_status, "
        "sum(i.order_item_subtotal), count(i.order_item_id) "
        "from retail_db.orders o join retail_db.order_items i "
        "on i.order_item_order_id = o.order_id "
        "where o.order_date >= ? and o.order_date < ? group by 1, 2, 3",
        [low, high],
    ):
        local = ordered_at.replace(tzinfo=UTC).astimezone(zone).date()
        source[int(order_id)] = (local, float(subtotal_sum), int(lines), str(status))
    marts: dict[int, tuple[date, Decimal, Decimal, str]] = {
        int(order_id): (order_date, Decimal(gross), Decimal(net), str(status))
        for order_id, order_date, gross, net, status in warehouse.query(
            "select order_id, order_date, gross_order_value, net_revenue, order_status "
            "from marts.fct_orders where order_date >= ? and order_date < ?",
            [low.date(), high.date()],
        )
    }

    def in_range(day: date) -> bool:
        return start <= day <= end

    def add(day: date, cause: str, amount: Decimal, order_id: int) -> None:
        if amount:
            result.causes[(day, cause)] = result.causes.get((day, cause), ZERO) + amount
            result.orders[cause].append(order_id)

    for order_id in sorted(set(source) | set(marts)):
        s_day, s_float, lines, _ = source.get(order_id, (None, 0.0, 0, ""))
        w_day, gross, net, status = marts.get(order_id, (None, ZERO, ZERO, ""))
        s = Decimal(repr(s_float)) if s_day and in_range(s_day) else ZERO
        w = net if w_day and in_range(w_day) else ZERO
        result.source_total += s
        result.warehouse_total += w
        if s_day and in_range(s_day):
            if w_day is None:
                add(s_day, "not yet in the marts", s, order_id)
                continue
            difference = s - gross
            if abs(difference) <= ROUNDING_PER_LINE * max(lines, 1):
                add(s_day, "rounding", difference, order_id)
            else:
                add(s_day, "unexplained", difference, order_id)
            add(s_day, f"excluded: {status}", gross - net, order_id)
            if not in_range(w_day):
                add(s_day, "day boundary", net, order_id)
        elif w_day and in_range(w_day):
            cause = "day boundary" if s_day else "unexplained"
            add(w_day, cause, -net, order_id)
    return result
