"""The thelook web shop, simulated and exported day by day (CSV with a header row).

Users sign up over the period and place 0-4 orders; each order item is bought in its own
web session (home/department → product → cart → purchase) and anonymous "ghost" sessions
browse and cancel. Orders start as Processing and are re-delivered, with their items, on
each day their status moves on (Shipped, Complete, Returned; or Cancelled). Weights and
rules follow ../shared/reference/thelook.md. Orders are planned up front (they are small);
events are made day by day, so a day's events are never held longer than its file.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shopsight.contracts.model import load_contract
from shopsight.generate.thelook_catalog import (
    DISTRIBUTION_CENTERS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    Product,
    catalogue,
)

SOURCE = "thelook"
# The export's columns, in file order, straight from the contract (never written twice).
HEADERS = {name: table.column_names for name, table in load_contract(SOURCE).tables.items()}
USER_SOURCES = {"Search": 0.70, "Organic": 0.15, "Facebook": 0.06, "Email": 0.05, "Display": 0.04}
EVENT_SOURCES = {"Email": 0.45, "Adwords": 0.30, "YouTube": 0.10, "Facebook": 0.10, "Organic": 0.05}
BROWSERS = {"Chrome": 0.50, "Safari": 0.20, "Firefox": 0.20, "IE": 0.05, "Other": 0.05}
FINAL_STATUS = {
    "Complete": 0.25,
    "Cancelled": 0.15,
    "Returned": 0.10,
    "Processing": 0.20,
    "Shipped": 0.30,
}
GHOST_PATHS = [
    ["product", "cart", "cancel"],
    ["department", "product", "cart"],
    ["product"],
    ["department", "product"],
]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def utc(moment: datetime | None, micro: bool = False) -> str:
    """thelook's timestamp text: UTC, seconds or microseconds."""
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC" if micro else "%Y-%m-%d %H:%M:%S UTC")


@dataclass
class User:
    id: int
    row: list[object]
    gender: str
    created_at: datetime
    place: tuple


@dataclass
class Order:
    order_id: int
    user: User
    created_at: datetime
    final: str
    milestones: dict[str, datetime]  # status → when it was reached
    items: list[tuple[int, Product, int, datetime]] = field(default_factory=list)

    def state(self, until: datetime) -> tuple[str, dict[str, datetime | None]]:
        """Status and the shipped/delivered/returned times as known at ``until``."""
        reached = {s: t for s, t in self.milestones.items() if t <= until}
        status = "Processing"
        for candidate in ("Cancelled", "Shipped", "Complete", "Returned"):
            if candidate in reached:
                status = candidate
        times = {
            "shipped_at": reached.get("Shipped"),
            "delivered_at": reached.get("Complete"),
            "returned_at": reached.get("Returned"),
        }
        return status, times

    def change_days(self) -> set[date]:
        return {self.created_at.date(), *(t.date() for t in self.milestones.values())}


class TheLookSimulation:
    """Plans users and orders for a period; :meth:`day_rows` makes one day's files."""

    def __init__(self, seed: int, start: date, days: int, users: int) -> None:
        self.seed, self.start, self.days = seed, start, days
        self.end = datetime.combine(start + timedelta(days=days), datetime.min.time())
        self.products = catalogue(seed, max(200, min(29_120, users // 4)))
        self.by_department = {
            "M": [p for p in self.products if p.department == "Men"],
            "F": [p for p in self.products if p.department == "Women"],
        }
        self.users = [self._user(i) for i in range(1, users + 1)]
        self.orders = self._orders()
        self.ghost_sessions_per_day = max(1, users * 5 // max(days, 1))
        self.changes: dict[date, list[Order]] = {}
        for order in self.orders:
            for day in sorted(order.change_days()):
                self.changes.setdefault(day, []).append(order)
        self._event_id = 0
        self._inventory_id = len(self.orders) * 5

    def _moment(self, rng: random.Random, after: datetime) -> datetime:
        span = max(1, int((self.end - after).total_seconds()) - 1)
        return after + timedelta(seconds=rng.randrange(span))

    def _user(self, user_id: int) -> User:
        rng = random.Random(f"{self.seed}:thelook:user:{user_id}")
        gender = rng.choice("MF")
        first, last = rng.choice(FIRST_NAMES[gender]), rng.choice(LAST_NAMES)
        place = rng.choices(PLACES, [p[6] for p in PLACES])[0]
        created = self._moment(rng, datetime.combine(self.start, datetime.min.time()))
        recent = created >= self.end - timedelta(days=7)
        email = f"{first}{last}@example.{rng.choice(['com', 'net', 'org'])}".lower()
        row = [
            user_id,
            first,
            last,
            email,
            rng.randrange(12, 71),
            gender,
            place[1],
            f"{rng.randint(1, 9999)} {rng.choice(['Main', 'Oak', 'Park'])} Street",
            place[2],
            place[0],
            place[3],
            place[4],
            place[5],
            _pick(rng, USER_SOURCES),
            utc(created, micro=recent),
        ]
        return User(user_id, row, gender, created, place)

    def _orders(self) -> list[Order]:
        rng = random.Random(f"{self.seed}:thelook:orders")
        orders: list[Order] = []
        item_id = 0
        for user in self.users:
            for _ in range(rng.choices([0, 1, 2, 3, 4], [0.2, 0.5, 0.2, 0.05, 0.05])[0]):
                created = self._moment(rng, user.created_at)
                final = _pick(rng, FINAL_STATUS)
                milestones: dict[str, datetime] = {}
                if final == "Cancelled":
                    milestones["Cancelled"] = created + timedelta(minutes=rng.randrange(1440))
                elif final in ("Shipped", "Complete", "Returned"):
                    shipped = created + timedelta(minutes=rng.randrange(3 * 1440))
                    milestones["Shipped"] = shipped
                    if final in ("Complete", "Returned"):
                        delivered = shipped + timedelta(minutes=rng.randrange(5 * 1440))
                        milestones["Complete"] = delivered
                        if final == "Returned":
                            milestones["Returned"] = delivered + timedelta(
                                minutes=rng.randrange(3 * 1440)
                            )
                order = Order(len(orders) + 1, user, created, final, milestones)
                for _ in range(rng.choices([1, 2, 3, 4], [0.7, 0.2, 0.05, 0.05])[0]):
                    item_id += 1
                    product = rng.choice(self.by_department[user.gender])
                    # Bought in the order's own session, on the order's day.
                    end_of_day = datetime.combine(created.date(), datetime.max.time())
                    bought = min(created + timedelta(seconds=rng.randrange(600)), end_of_day)
                    order.items.append((item_id, product, item_id, bought))
                orders.append(order)
        return orders

    def day_rows(self, day: date) -> dict[str, list[list[object]]]:
        """Every table's rows delivered on ``day``."""
        rows: dict[str, list[list[object]]] = {table: [] for table in HEADERS}
        if day == self.start:
            rows["distribution_centers"] = [list(dc) for dc in DISTRIBUTION_CENTERS]
            rows["products"] = [p.row() for p in self.products]
        rows["users"] = [u.row for u in self.users if u.created_at.date() == day]
        until = datetime.combine(day, datetime.max.time())
        rng = random.Random(f"{self.seed}:thelook:day:{day.isoformat()}")
        for order in self.changes.get(day, []):
            status, times = order.state(until)
            rows["orders"].append(
                [
                    order.order_id,
                    order.user.id,
                    status,
                    order.user.gender,
                    utc(order.created_at),
                    utc(times["returned_at"]),
                    utc(times["shipped_at"]),
                    utc(times["delivered_at"]),
                    len(order.items),
                ]
            )
            for item_id, product, inventory_id, bought in order.items:
                rows["order_items"].append(
                    [
                        item_id,
                        order.order_id,
                        order.user.id,
                        product.id,
                        inventory_id,
                        status,
                        utc(bought),
                        utc(times["shipped_at"]),
                        utc(times["delivered_at"]),
                        utc(times["returned_at"]),
                        product.retail_price,
                    ]
                )
                if order.created_at.date() == day:
                    rows["inventory_items"] += self._inventory(rng, product, inventory_id, bought)
                    rows["events"] += self._purchase_session(rng, order, product, bought)
        for _ in range(self.ghost_sessions_per_day):
            rows["events"] += self._ghost_session(rng, day)
        return rows

    def _inventory(
        self, rng: random.Random, product: Product, sold_id: int, sold_at: datetime
    ) -> list[list[object]]:
        """The sold unit, plus 1-3 units of the same product still on the shelf."""

        def unit(unit_id: int, created: datetime, sold: datetime | None) -> list[object]:
            return [
                unit_id,
                product.id,
                utc(created, micro=sold is None),
                utc(sold),
                product.cost,
                product.category,
                product.name,
                product.brand,
                product.retail_price,
                product.department,
                product.sku,
                product.distribution_center_id,
            ]

        units = [unit(sold_id, sold_at - timedelta(minutes=rng.randrange(60 * 1440)), sold_at)]
        for _ in range(rng.choices([1, 2, 3], [0.5, 0.3, 0.2])[0]):
            self._inventory_id += 1
            created = sold_at - timedelta(seconds=rng.randrange(1, 86400), microseconds=1)
            units.append(unit(self._inventory_id, created, None))
        return units

    def _session(
        self,
        rng: random.Random,
        user_id: int | None,
        place: tuple,
        steps: list[tuple[str, Product | None]],
        last: datetime,
        gap_minutes: int,
    ) -> list[list[object]]:
        session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        source, browser = _pick(rng, EVENT_SOURCES), _pick(rng, BROWSERS)
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        moments = [last]
        for _ in steps[1:]:
            moments.append(moments[-1] - timedelta(seconds=rng.randrange(gap_minutes * 60 + 1)))
        rows = []
        for sequence, ((kind, product), moment) in enumerate(
            zip(steps, reversed(moments), strict=True), start=1
        ):
            self._event_id += 1
            rows.append(
                [
                    self._event_id,
                    user_id,
                    sequence,
                    session_id,
                    utc(moment, micro=user_id is None),
                    ip,
                    place[0],
                    place[1],
                    place[2],
                    browser,
                    source,
                    _uri(kind, product),
                    kind,
                ]
            )
        return rows

    def _purchase_session(
        self, rng: random.Random, order: Order, product: Product, bought: datetime
    ) -> list[list[object]]:
        n = len(order.items)
        browse: list[tuple[str, Product | None]] = [
            ("department", product),
            ("product", product),
            ("cart", product),
        ]
        steps = [("home", None), *browse] if n == 1 else browse * n
        return self._session(
            rng, order.user.id, order.user.place, [*steps, ("purchase", None)], bought, 3
        )

    def _ghost_session(self, rng: random.Random, day: date) -> list[list[object]]:
        place = rng.choices(PLACES, [p[6] for p in PLACES])[0]
        product = rng.choice(self.products)
        path = rng.choice(GHOST_PATHS)
        start = datetime.combine(day, datetime.min.time())
        last = start + timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))
        return self._session(rng, None, place, [(kind, product) for kind in path], last, 29)


def _uri(kind: str, product: Product | None) -> str:
    if kind == "product" and product:
        return f"/product/{product.id}"
    if kind == "department" and product:
        return (
            f"/department/{product.department.lower()}/category/"
            f"{product.category.lower().replace(' ', '')}/brand/"
            f"{product.brand.lower().replace(' ', '')}"
        )
    return f"/{kind}"
