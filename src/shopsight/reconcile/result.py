"""A reconciliation's outcome: the two totals and the gap, split by day and by named cause."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

import numpy as np

from shopsight.words import plural

ZERO = Decimal(0)
# Sums of exact amounts: a year's total has 11 digits before the point and up to 20 after,
# beyond the default context's 28 digits (which would round them).
SUMS = Context(prec=80)


def trimmed(value: Decimal) -> Decimal:
    """``value`` without the zeros a fixed-scale column adds beyond the cent."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite amount
    while exponent < -2 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """``value`` to the cent, as every output shows money (never ``-0.00``)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=SUMS)
    return rounded if rounded else Decimal("0.00")


def causes_in_cents(causes: dict[str, Decimal], gap: Decimal) -> dict[str, Decimal]:
    """The causes to the cent, still adding up to the gap to the cent: what rounding each
    one leaves goes to the ``rounding`` cause (which appears when it was found, or when the
    rounding of the others leaves a cent)."""
    shown = {cause: cents(amount) for cause, amount in causes.items() if cause != ROUNDING}
    rest = cents(gap) - sum(shown.values(), Decimal("0.00"))
    if rest or ROUNDING in causes:
        shown[ROUNDING] = cents(rest)
    return {cause: shown[cause] for cause in sorted(shown, key=_rank)}


# Cause names, in the order reports list them. Status exclusions and quarantine reasons
# carry a suffix: "excluded: CANCELED", "quarantined: invalid_number", "loaded with a
# warning: subtotal_mismatch".
EXCLUDED = "excluded"
DAY_BOUNDARY = "day boundary"
NOT_ARRIVED = "not arrived yet"
WAITING = "file arrived, not loaded yet"
QUARANTINED = "quarantined"
WARNED = "loaded with a warning"
QUARANTINED_FILE = "quarantined file"
NOT_BUILT = "not yet in the marts"
DUPLICATES = "duplicates removed"
ROUNDING = "rounding"
UNEXPLAINED = "unexplained"
CAUSE_ORDER = [
    EXCLUDED,
    DAY_BOUNDARY,
    NOT_ARRIVED,
    WAITING,
    QUARANTINED,
    QUARANTINED_FILE,
    WARNED,
    NOT_BUILT,
    DUPLICATES,
    ROUNDING,
    UNEXPLAINED,
]


def cause_family(cause: str) -> str:
    """``excluded: CANCELED`` → ``excluded``."""
    return cause.split(":", 1)[0]


def _rank(cause: str) -> tuple[int, str]:
    return CAUSE_ORDER.index(cause_family(cause)), cause


class OrderIds:
    """The distinct ids of the orders behind one cause, ascending. Held as one array: a year
    of orders puts tens of millions of ids behind the day-boundary and rounding causes."""

    def __init__(self, ids: np.ndarray | None = None) -> None:
        self._ids = np.empty(0, dtype=np.int64) if ids is None else ids

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist())

    def __contains__(self, order_id: object) -> bool:
        if not isinstance(order_id, int):
            return False
        at = int(np.searchsorted(self._ids, order_id))
        return at < len(self._ids) and int(self._ids[at]) == order_id

    def first(self, n: int) -> list[int]:
        return self._ids[:n].tolist()

    def as_list(self) -> list[int]:
        return self._ids.tolist()


@dataclass
class Reconciliation:
    """Per day and cause: amount and orders; the two totals and the gap they explain."""

    start: date
    end: date
    business_timezone: str
    source: str
    source_total: Decimal = ZERO
    warehouse_total: Decimal = ZERO
    source_orders: int = 0
    warehouse_orders: int = 0
    daily_source: dict[date, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    daily_warehouse: dict[date, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    causes: dict[tuple[date, str], Decimal] = field(default_factory=dict)
    orders: dict[str, OrderIds] = field(default_factory=lambda: defaultdict(OrderIds))
    # Days whose warehouse numbers are not whole: day → reason → orders of unknown revenue.
    incomplete: dict[date, dict[str, int]] = field(default_factory=dict)

    def incomplete_days(self) -> list[str]:
        """One line per incomplete day: how many orders, and why."""
        return [
            f"{day.isoformat()}: {plural(sum(reasons.values()), 'order')} of unknown revenue ("
            + "; ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items()))
            + ")"
            for day, reasons in sorted(self.incomplete.items())
        ]

    @property
    def gap(self) -> Decimal:
        return SUMS.subtract(self.source_total, self.warehouse_total)

    def by_cause(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (_, cause), amount in self.causes.items():
            totals[cause] = SUMS.add(totals[cause], amount)
        return {cause: totals[cause] for cause in sorted(totals, key=_rank)}

    def by_day(self) -> dict[date, dict[str, Decimal]]:
        days: dict[date, dict[str, Decimal]] = defaultdict(dict)
        for day, cause in sorted(self.causes, key=lambda key: (key[0], _rank(key[1]))):
            days[day][cause] = self.causes[(day, cause)]
        return dict(days)

    def days(self) -> list[date]:
        """Every day in range that has revenue or a difference."""
        seen = set(self.daily_source) | set(self.daily_warehouse) | {d for d, _ in self.causes}
        return sorted(seen)

    @property
    def unexplained(self) -> Decimal:
        return self.by_cause().get(UNEXPLAINED, ZERO)

    def causes_in_cents(self) -> dict[str, Decimal]:
        """:meth:`by_cause` to the cent, adding up to the gap to the cent."""
        return causes_in_cents(self.by_cause(), self.gap)

    def day_in_cents(self, day: date) -> dict[str, Decimal]:
        """The day's causes to the cent, adding up to the day's gap to the cent."""
        gap = SUMS.subtract(self.daily_source.get(day, ZERO), self.daily_warehouse.get(day, ZERO))
        return causes_in_cents(self.by_day().get(day, {}), gap)

    def to_json(self) -> dict[str, Any]:
        """Every amount to the cent, as a string (exact: never a float)."""
        by_cause = self.by_cause()
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "business_timezone": self.business_timezone,
            "source": self.source,
            "source_total": str(cents(self.source_total)),
            "warehouse_total": str(cents(self.warehouse_total)),
            "source_orders": self.source_orders,
            "warehouse_orders": self.warehouse_orders,
            "gap": str(cents(self.gap)),
            "unexplained": str(cents(self.unexplained)),
            "incomplete_days": {
                day.isoformat(): reasons for day, reasons in sorted(self.incomplete.items())
            },
            "causes": {
                cause: {"amount": str(amount), "orders": len(self.orders.get(cause, ()))}
                for cause, amount in self.causes_in_cents().items()
            },
            "days": [
                {
                    "day": day.isoformat(),
                    "source_total": str(cents(self.daily_source.get(day, ZERO))),
                    "warehouse_total": str(cents(self.daily_warehouse.get(day, ZERO))),
                    "causes": {cause: str(a) for cause, a in self.day_in_cents(day).items()},
                }
                for day in self.days()
            ],
            "order_ids": {cause: self.orders[cause].as_list() for cause in by_cause},
        }
