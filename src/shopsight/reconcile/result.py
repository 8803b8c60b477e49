"""A reconciliation's outcome: the two totals and the gap, split by day and by named cause."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)

# Cause names, in the order reports list them. Status exclusions and quarantine reasons
# carry a suffix: "excluded: CANCELED", "quarantined: subtotal_mismatch".
EXCLUDED = "excluded"
DAY_BOUNDARY = "day boundary"
NOT_ARRIVED = "not arrived yet"
WAITING = "file arrived, not loaded yet"
QUARANTINED = "quarantined"
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
    orders: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # Days whose warehouse numbers are not whole: day → reason → orders of unknown revenue.
    incomplete: dict[date, dict[str, int]] = field(default_factory=dict)

    def note_incomplete(self, day: date, reason: str) -> None:
        """Count one order of ``day`` whose revenue the warehouse cannot know yet."""
        reasons = self.incomplete.setdefault(day, {})
        reasons[reason] = reasons.get(reason, 0) + 1

    def incomplete_days(self) -> list[str]:
        """One line per incomplete day: how many orders, and why."""
        return [
            f"{day.isoformat()}: {sum(reasons.values()):,} orders of unknown revenue ("
            + "; ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items()))
            + ")"
            for day, reasons in sorted(self.incomplete.items())
        ]

    def add(self, day: date, cause: str, amount: Decimal, order_id: int) -> None:
        """Attribute ``amount`` of the gap on ``day`` to ``cause`` (zero amounts are dropped)."""
        if amount:
            self.causes[(day, cause)] = self.causes.get((day, cause), ZERO) + amount
            self.orders[cause].add(order_id)

    @property
    def gap(self) -> Decimal:
        return self.source_total - self.warehouse_total

    def by_cause(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (_, cause), amount in self.causes.items():
            totals[cause] += amount
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

    def to_json(self) -> dict[str, Any]:
        by_day = self.by_day()
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "business_timezone": self.business_timezone,
            "source": self.source,
            "source_total": str(self.source_total),
            "warehouse_total": str(self.warehouse_total),
            "source_orders": self.source_orders,
            "warehouse_orders": self.warehouse_orders,
            "gap": str(self.gap),
            "unexplained": str(self.unexplained),
            "incomplete_days": {
                day.isoformat(): reasons for day, reasons in sorted(self.incomplete.items())
            },
            "causes": {
                cause: {"amount": str(amount), "orders": len(self.orders[cause])}
                for cause, amount in self.by_cause().items()
            },
            "days": [
                {
                    "day": day.isoformat(),
                    "source_total": str(self.daily_source.get(day, ZERO)),
                    "warehouse_total": str(self.daily_warehouse.get(day, ZERO)),
                    "causes": {cause: str(a) for cause, a in by_day.get(day, {}).items()},
                }
                for day in self.days()
            ],
            "order_ids": {cause: sorted(self.orders[cause]) for cause in self.by_cause()},
        }
