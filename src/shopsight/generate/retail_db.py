"""The retail_db OLTP export, simulated day by day.

A day's export is one CSV per table. Orders move status (re-delivered in later files),
products change price and customers move (re-delivered rows). The simulation is a pure
function of the seed and the day, holds one day at a time plus a few days of pending status
changes, and so scales to tens of millions of orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shopsight.generate.catalog import DEPARTMENTS, Product, categories, customer_row, product

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]
FINAL_STATUSES = ["COMPLETE", "CLOSED", "CANCELED"]
# The public export's status mix (share of orders by the status they end in).
STATUS_MIX = {
    "COMPLETE": 0.33,
    "PENDING_PAYMENT": 0.22,
    "PROCESSING": 0.12,
    "PENDING": 0.11,
    "CLOSED": 0.11,
    "ON_HOLD": 0.055,
    "SUSPECTED_FRAUD": 0.023,
    "CANCELED": 0.021,
    "PAYMENT_REVIEW": 0.011,
}
WEEKDAY_FACTOR = [0.95, 0.9, 0.95, 1.0, 1.1, 1.25, 0.85]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.0"


@dataclass(frozen=True)
class StoreShape:
    """The size of the simulated store, derived from its order rate."""

    seed: int
    origin: date
    orders_per_day: float

    @property
    def n_products(self) -> int:
        return max(60, min(1345, int(self.orders_per_day * 6)))

    @property
    def n_categories(self) -> int:
        return 58

    def customers_signed_up(self, day_index: int) -> int:
        """Customers who exist by the end of a day: a base on day 0, then steady sign-ups."""
        per_day = max(1.0, self.orders_per_day / 5.5)
        return int(per_day * 30 + per_day * day_index)


@dataclass
class DayExport:
    """One day's rows per table (fields as strings, before CSV formatting)."""

    day: date
    day_index: int
    rows: dict[str, list[list[str]]]


@dataclass
class _PendingStatus:
    order_id: int
    order_date: str
    customer_id: int
    status: str


@dataclass
class RetailDbSimulation:
    """Simulates the store from its origin day; iterate :meth:`days` to get each export."""

    shape: StoreShape
    _prices: dict[int, float] = field(default_factory=dict)
    _moves: dict[int, int] = field(default_factory=dict)
    _pending: dict[int, list[_PendingStatus]] = field(default_factory=dict)
    _next_order_id: int = 1
    _next_item_id: int = 1
    _carry: float = 0.0

    def days(self, until: date) -> Iterator[DayExport]:
        """Every day's export from the origin through ``until`` inclusive."""
        products = [product(self.shape.seed, pid) for pid in range(1, self.shape.n_products + 1)]
        self._prices = {p.product_id: p.base_price for p in products}
        n_days = (until - self.shape.origin).days + 1
        pauses = self._pauses()
        for day_index in range(n_days):
            day = self.shape.origin + timedelta(days=day_index)
            rng = random.Random(f"{self.shape.seed}:day:{day_index}")
            rows: dict[str, list[list[str]]] = {table: [] for table in TABLES}
            if day_index == 0:
                rows["departments"] = [[str(i + 1), n] for i, n in enumerate(DEPARTMENTS)]
                rows["categories"] = [[str(c), str(d), n] for c, d, n in categories()]
                rows["products"] = [self._product_row(p, p.base_price) for p in products]
            else:
                rows["products"] = self._price_changes(rng, products)
            rows["customers"] = self._customers(rng, day_index)
            on_sale = [
                p.product_id
                for p in products
                if not any(start <= day_index < end for start, end in pauses.get(p.product_id, []))
            ]
            self._orders(rng, day, day_index, on_sale, rows)
            yield DayExport(day, day_index, rows)

    def _pauses(self) -> dict[int, list[tuple[int, int]]]:
        """Some well-selling products stop selling for a while (stock-out) or for good
        (delisted): (first day without sales, first day selling again) per product. The days
        count from the store's first day and do not depend on how long a run is, so a
        continued simulation replays the same past."""
        rng = random.Random(f"{self.shape.seed}:pauses")
        best_sellers = range(1, min(self.shape.n_products, 120) + 1)
        pauses: dict[int, list[tuple[int, int]]] = {}
        for product_id in rng.sample(best_sellers, max(2, len(best_sellers) // 8)):
            start = rng.randint(30, 80)
            delisted = rng.random() < 0.5
            end = 10**6 if delisted else start + rng.randint(8, 25)
            pauses[product_id] = [(start, end)]
        return pauses

    @staticmethod
    def _product_row(p: Product, price: float) -> list[str]:
        return [
            str(p.product_id),
            str(p.category_id),
            p.name,
            p.description,
            _money(price),
            p.image,
        ]

    def _price_changes(self, rng: random.Random, products: list[Product]) -> list[list[str]]:
        changed = rng.sample(products, max(1, len(products) // 200))
        rows = []
        for p in sorted(changed, key=lambda p: p.product_id):
            new_price = round(
                self._prices[p.product_id] * rng.choice([0.8, 0.9, 0.95, 1.05, 1.1, 1.2]), 2
            )
            self._prices[p.product_id] = max(new_price, 0.99)
            rows.append(self._product_row(p, self._prices[p.product_id]))
        return rows

    def _customers(self, rng: random.Random, day_index: int) -> list[list[str]]:
        seed = self.shape.seed
        first = self.shape.customers_signed_up(day_index - 1) + 1 if day_index else 1
        last = self.shape.customers_signed_up(day_index)
        rows = [customer_row(seed, cid, 0) for cid in range(first, last + 1)]
        if day_index and first > 1:
            for cid in sorted(rng.sample(range(1, first), min(first - 1, max(1, first // 1000)))):
                self._moves[cid] = self._moves.get(cid, 0) + 1
                rows.append(customer_row(seed, cid, self._moves[cid]))
        return rows

    def _orders(
        self,
        rng: random.Random,
        day: date,
        day_index: int,
        on_sale: list[int],
        rows: dict[str, list[list[str]]],
    ) -> None:
        for moved in self._pending.pop(day_index, []):
            rows["orders"].append(
                [str(moved.order_id), moved.order_date, str(moved.customer_id), moved.status]
            )
        self._carry += self.shape.orders_per_day * WEEKDAY_FACTOR[day.weekday()] / 0.999
        n_orders, self._carry = int(self._carry), self._carry - int(self._carry)
        signed_up = self.shape.customers_signed_up(day_index)
        statuses, weights = list(STATUS_MIX), list(STATUS_MIX.values())
        cumulative = _popularity(len(on_sale))
        start = datetime(day.year, day.month, day.day)
        for seconds in sorted(rng.randrange(86400) for _ in range(n_orders)):
            order_id, self._next_order_id = self._next_order_id, self._next_order_id + 1
            stamp = (start + timedelta(seconds=seconds)).strftime(TIMESTAMP_FORMAT)
            customer_id = rng.randint(1, signed_up)
            final = rng.choices(statuses, weights)[0]
            status = final
            if final in FINAL_STATUSES:
                status = rng.choice(["PENDING_PAYMENT", "PROCESSING", "PENDING"])
                later = day_index + rng.randint(1, 3)
                self._pending.setdefault(later, []).append(
                    _PendingStatus(order_id, stamp, customer_id, final)
                )
            rows["orders"].append([str(order_id), stamp, str(customer_id), status])
            for pid in _pick_products(rng, on_sale, cumulative, rng.randint(1, 5)):
                quantity = rng.choices([1, 2, 3, 4, 5], [60, 20, 10, 6, 4])[0]
                price = self._prices[pid]
                rows["order_items"].append(
                    [
                        str(self._next_item_id),
                        str(order_id),
                        str(pid),
                        str(quantity),
                        _money(round(quantity * price, 2)),
                        _money(price),
                    ]
                )
                self._next_item_id += 1


def _popularity(n: int) -> list[float]:
    """Cumulative weights of a long-tailed popularity (a few best sellers)."""
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**0.9
        cumulative.append(total)
    return cumulative


def _pick_products(
    rng: random.Random, on_sale: list[int], cumulative: list[float], count: int
) -> list[int]:
    picked = rng.choices(on_sale, cum_weights=cumulative, k=count) if on_sale else []
    return list(dict.fromkeys(picked))


def _money(value: float) -> str:
    """Money as the export writes it: a float literal (e.g. 199.99, 50.0)."""
    return repr(float(round(value, 2)))
