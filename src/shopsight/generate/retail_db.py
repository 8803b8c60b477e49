"""The retail_db OLTP export, simulated day by day with numpy.

A day's export is one CSV per table. Orders move status (re-delivered in later files),
products change price and customers move (re-delivered rows). The simulation is a pure
function of the seed and the day, holds one day at a time plus a few days of pending status
changes, and draws each day's orders and lines as arrays, so 30 M orders take minutes.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from shopsight.generate.catalog import DEPARTMENTS, Product, categories, customer_rows, product

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]
FINAL_STATUSES = ["COMPLETE", "CLOSED", "CANCELED"]
OPEN_STATUSES = ["PENDING_PAYMENT", "PROCESSING", "PENDING"]
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
STATUSES = list(STATUS_MIX)  # a status's code is its place here
_MIX = np.array(list(STATUS_MIX.values())) / sum(STATUS_MIX.values())
_OPEN_CODES = np.array([STATUSES.index(s) for s in OPEN_STATUSES])
_FINAL_CODES = np.array([STATUSES.index(s) for s in FINAL_STATUSES])
QUANTITY_MIX = [0.6, 0.2, 0.1, 0.06, 0.04]  # 1 to 5 units per line
WEEKDAY_FACTOR = [0.95, 0.9, 0.95, 1.0, 1.1, 1.25, 0.85]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.0"

# Money as the export writes it, by its cents: the shortest float literal (50.0, 7.5, 0.05).
_CENTS = pa.array(["." + (f"{cents:02d}".rstrip("0") or "0") for cents in range(100)])
_NO_QUOTES = pacsv.WriteOptions(include_header=False, quoting_style="none")


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
class Orders:
    """A set of order rows as arrays: id, placed at (UTC, seconds), customer, status code."""

    order_id: np.ndarray
    ordered_at: np.ndarray  # datetime64[s]
    customer_id: np.ndarray
    status: np.ndarray

    def take(self, mask: np.ndarray) -> Orders:
        return Orders(
            self.order_id[mask], self.ordered_at[mask], self.customer_id[mask], self.status[mask]
        )

    @staticmethod
    def concat(parts: list[Orders]) -> Orders:
        return Orders(*(np.concatenate([getattr(p, f) for p in parts]) for f in Orders.FIELDS))

    FIELDS = ("order_id", "ordered_at", "customer_id", "status")


@dataclass
class Items:
    """Order lines as arrays."""

    item_id: np.ndarray
    order_id: np.ndarray
    product_id: np.ndarray
    quantity: np.ndarray
    subtotal: np.ndarray
    price: np.ndarray


@dataclass
class DayExport:
    """One day's export: the small tables as rows, orders and lines as arrays."""

    day: date
    day_index: int
    small: dict[str, list[list[str]]]
    orders: Orders
    items: Items
    _csv: dict[str, bytes] = field(default_factory=dict)

    def csv(self, table: str) -> bytes:
        """The table's file as the export writes it: headerless, quoted only when needed."""
        if table not in self._csv:
            self._csv[table] = _format(self, table)
        return self._csv[table]

    def lines(self, table: str) -> list[bytes]:
        content = self.csv(table)
        return content.split(b"\n")[:-1] if content else []

    @property
    def rows(self) -> dict[str, list[list[str]]]:
        """Every table's rows as fields of text, exactly as they appear in the files."""
        return {
            table: list(csv.reader(io.StringIO(self.csv(table).decode("utf-8"))))
            for table in TABLES
        }


@dataclass
class RetailDbSimulation:
    """Simulates the store from its origin day; iterate :meth:`days` to get each export.

    Everything a day carries to the next (ids, prices, customers' moves, pending status
    changes) is held here, so :meth:`state` can be saved after any day and
    :meth:`resumed` goes on from it with exactly the exports a replay from the origin
    would give (each day's draws come from a generator seeded by the store and the day)."""

    shape: StoreShape
    _pending: dict[int, list[Orders]] = field(default_factory=dict)
    _next_order_id: int = 1
    _next_item_id: int = 1
    _carry: float = 0.0
    _next_day: int = 0  # the index of the first day not simulated yet
    _prices: np.ndarray | None = None  # by product id, as changed so far
    _moves: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int32))

    @property
    def next_day(self) -> date:
        """The first day this simulation has not simulated yet."""
        return self.shape.origin + timedelta(days=self._next_day)

    def days(self, until: date) -> Iterator[DayExport]:
        """Every day's export from the first one not simulated yet through ``until``."""
        shape = self.shape
        products = [product(shape.seed, pid) for pid in range(1, shape.n_products + 1)]
        if self._prices is None:
            self._prices = np.array([0.0] + [p.base_price for p in products])
        prices = self._prices
        n_days = (until - shape.origin).days + 1
        customers = shape.customers_signed_up(n_days - 1) + 1
        if len(self._moves) < customers:
            self._moves = np.concatenate(
                [self._moves, np.zeros(customers - len(self._moves), dtype=np.int32)]
            )
        moves = self._moves
        pauses = self._pauses()
        for day_index in range(self._next_day, n_days):
            day = shape.origin + timedelta(days=day_index)
            rng = np.random.default_rng([shape.seed % 2**63, day_index])
            small: dict[str, list[list[str]]] = {"departments": [], "categories": []}
            if day_index == 0:
                small["departments"] = [[str(i + 1), n] for i, n in enumerate(DEPARTMENTS)]
                small["categories"] = [[str(c), str(d), n] for c, d, n in categories()]
                small["products"] = [_product_row(p, p.base_price) for p in products]
            else:
                small["products"] = _price_changes(rng, products, prices)
            small["customers"] = self._customers(rng, day_index, moves)
            on_sale = np.array(
                [
                    p.product_id
                    for p in products
                    if not any(
                        start <= day_index < end for start, end in pauses.get(p.product_id, [])
                    )
                ],
                dtype=np.int64,
            )
            orders, items = self._orders(rng, day, day_index, on_sale, prices)
            self._next_day = day_index + 1
            yield DayExport(day, day_index, small, orders, items)

    def state(self) -> bytes:
        """What the days simulated so far carry on, as the bytes :meth:`resumed` reads."""
        moved = np.flatnonzero(self._moves)
        pending = [
            (target, part, orders)
            for target, parts in sorted(self._pending.items())
            for part, orders in enumerate(parts)
        ]
        arrays: dict[str, Any] = {
            "shape": np.array([self.shape.seed, self.shape.origin.toordinal()], dtype=np.int64),
            "orders_per_day": np.array([self.shape.orders_per_day]),
            "counters": np.array(
                [self._next_day, self._next_order_id, self._next_item_id], dtype=np.int64
            ),
            "carry": np.array([self._carry]),
            "prices": self._prices if self._prices is not None else np.zeros(0),
            "moved": moved,
            "moves": self._moves[moved],
            "pending_at": np.array([[t, part, len(o.order_id)] for t, part, o in pending])
            .reshape(-1, 3)
            .astype(np.int64),
        }
        for name in Orders.FIELDS:
            column = [getattr(o, name) for _, _, o in pending]
            arrays[f"pending_{name}"] = np.concatenate(column) if column else np.zeros(0)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def resumed(cls, shape: StoreShape, state: bytes) -> RetailDbSimulation | None:
        """The simulation as :meth:`state` saved it, or None when it is another store's."""
        saved = np.load(io.BytesIO(state))
        seed, origin = saved["shape"].tolist()
        if (seed, origin, float(saved["orders_per_day"][0])) != (
            shape.seed,
            shape.origin.toordinal(),
            shape.orders_per_day,
        ):
            return None
        next_day, next_order_id, next_item_id = saved["counters"].tolist()
        moves = np.zeros(int(saved["moved"].max(initial=0)) + 1, dtype=np.int32)
        moves[saved["moved"]] = saved["moves"]
        pending: dict[int, list[Orders]] = {}
        start = 0
        for target, _, count in saved["pending_at"].tolist():
            part = slice(start, start + count)
            pending.setdefault(target, []).append(
                Orders(*(saved[f"pending_{name}"][part] for name in Orders.FIELDS))
            )
            start += count
        return cls(
            shape,
            pending,
            next_order_id,
            next_item_id,
            float(saved["carry"][0]),
            next_day,
            saved["prices"] if next_day else None,
            moves,
        )

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

    def _customers(
        self, rng: np.random.Generator, day_index: int, moves: np.ndarray
    ) -> list[list[str]]:
        seed = self.shape.seed
        first = self.shape.customers_signed_up(day_index - 1) + 1 if day_index else 1
        last = self.shape.customers_signed_up(day_index)
        rows = customer_rows(seed, np.arange(first, last + 1), np.zeros(last - first + 1, np.int32))
        if day_index and first > 1:
            count = min(first - 1, max(1, first // 1000))
            moved = np.sort(rng.choice(np.arange(1, first), size=count, replace=False))
            moves[moved] += 1
            rows += customer_rows(seed, moved, moves[moved])
        return rows

    def _orders(
        self,
        rng: np.random.Generator,
        day: date,
        day_index: int,
        on_sale: np.ndarray,
        prices: np.ndarray,
    ) -> tuple[Orders, Items]:
        self._carry += self.shape.orders_per_day * WEEKDAY_FACTOR[day.weekday()] / 0.999
        n, self._carry = int(self._carry), self._carry - int(self._carry)
        midnight = np.datetime64(day.isoformat(), "s")
        ordered_at = midnight + np.sort(rng.integers(0, 86400, n))
        customer_id = rng.integers(1, self.shape.customers_signed_up(day_index) + 1, n)
        final = rng.choice(len(STATUSES), n, p=_MIX)
        opening = _OPEN_CODES[rng.integers(0, 3, n)]
        ends_later = np.isin(final, _FINAL_CODES)
        status = np.where(ends_later, opening, final)
        order_id = np.arange(self._next_order_id, self._next_order_id + n, dtype=np.int64)
        self._next_order_id += n
        placed = Orders(order_id, ordered_at, customer_id, final)
        later = day_index + rng.integers(1, 4, n)
        for target in np.unique(later[ends_later]):
            self._pending.setdefault(int(target), []).append(
                placed.take(ends_later & (later == target))
            )
        today = Orders(order_id, ordered_at, customer_id, status)
        orders = Orders.concat([*self._pending.pop(day_index, []), today])
        return orders, self._items(rng, order_id, on_sale, prices)

    def _items(
        self,
        rng: np.random.Generator,
        order_id: np.ndarray,
        on_sale: np.ndarray,
        prices: np.ndarray,
    ) -> Items:
        count = rng.integers(1, 6, len(order_id)) if len(on_sale) else np.zeros(len(order_id), int)
        owner = np.repeat(order_id, count)
        popularity = np.cumsum(1.0 / np.arange(1, len(on_sale) + 1) ** 0.9)
        draws = rng.random(len(owner)) * (popularity[-1] if len(on_sale) else 0)
        picked = (
            on_sale[np.minimum(np.searchsorted(popularity, draws, side="right"), len(on_sale) - 1)]
            if len(on_sale)
            else owner[:0]
        )
        # A product drawn twice for one order is one line (the first draw's place).
        _, first = np.unique(owner * (len(prices) + 1) + picked, return_index=True)
        keep = np.sort(first)
        owner, picked = owner[keep], picked[keep]
        quantity = rng.choice(np.arange(1, 6), len(owner), p=QUANTITY_MIX)
        price = prices[picked]
        item_id = np.arange(self._next_item_id, self._next_item_id + len(owner), dtype=np.int64)
        self._next_item_id += len(owner)
        return Items(item_id, owner, picked, quantity, np.round(quantity * price, 2), price)


def _product_row(p: Product, price: float) -> list[str]:
    return [str(p.product_id), str(p.category_id), p.name, p.description, _money(price), p.image]


def _price_changes(
    rng: np.random.Generator, products: list[Product], prices: np.ndarray
) -> list[list[str]]:
    changed = np.sort(rng.choice(len(products), size=max(1, len(products) // 200), replace=False))
    factors = rng.choice([0.8, 0.9, 0.95, 1.05, 1.1, 1.2], len(changed))
    rows = []
    for index, factor in zip(changed.tolist(), factors.tolist(), strict=True):
        p = products[index]
        prices[p.product_id] = max(round(float(prices[p.product_id]) * factor, 2), 0.99)
        rows.append(_product_row(p, float(prices[p.product_id])))
    return rows


def _format(export: DayExport, table: str) -> bytes:
    """Orders and lines become CSV in Arrow (none of their fields ever needs quoting)."""
    if table in export.small:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(export.small[table])
        return text.getvalue().encode("utf-8")
    if table == "orders":
        o = export.orders
        columns = {
            "order_id": o.order_id,
            "ordered_at": pc.binary_join_element_wise(
                pc.cast(pa.array(o.ordered_at), pa.string()), ".0", ""
            ),
            "customer_id": o.customer_id,
            "status": pa.array(STATUSES).take(pa.array(o.status)),
        }
    else:
        i = export.items
        columns = {
            "item_id": i.item_id,
            "order_id": i.order_id,
            "product_id": i.product_id,
            "quantity": i.quantity,
            "subtotal": _money_text(i.subtotal),
            "price": _money_text(i.price),
        }
    frame = pa.table(columns)
    if frame.num_rows == 0:
        return b""
    buffer = io.BytesIO()
    pacsv.write_csv(frame, buffer, _NO_QUOTES)
    return buffer.getvalue()


def _money_text(values: np.ndarray) -> pa.Array:
    cents = np.rint(values * 100).astype(np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    return pc.binary_join_element_wise(whole, _CENTS.take(pa.array(cents % 100)), "")


def _money(value: float) -> str:
    """Money as the export writes it: a float literal (e.g. 199.99, 50.0)."""
    return repr(float(round(value, 2)))
