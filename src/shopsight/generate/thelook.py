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
    pick,
    utc,
)
from shopsight.generate.thelook_sessions import SessionWriter

SOURCE = "thelook"
# The export's columns, in file order, straight from the contract (never written twice).
HEADERS = {name: table.column_names for name, table in load_contract(SOURCE).tables.items()}
USER_SOURCES = {"Search": 0.70, "Organic": 0.15, "Facebook": 0.06, "Email": 0.05, "Display": 0.04}
FINAL_STATUS = {
    "Complete": 0.25,
    "Cancelled": 0.15,
    "Returned": 0.10,
    "Processing": 0.20,
    "Shipped": 0.30,
}


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
        self.planned_users = users
        self.users = [self._user(i) for i in range(1, users + 1)]
        self.orders = self._orders()
        self.ghost_sessions_per_day = max(1, users * 5 // max(days, 1))
        self.changes: dict[date, list[Order]] = {}
        for order in self.orders:
            for day in sorted(order.change_days()):
                self.changes.setdefault(day, []).append(order)
        self.sessions = SessionWriter()
        self._inventory_id = len(self.orders) * 5

    def _moment(self, rng: random.Random, after: datetime) -> datetime:
        span = max(1, int((self.end - after).total_seconds()) - 1)
        return after + timedelta(seconds=rng.randrange(span))

    def _user(self, user_id: int, since: datetime | None = None) -> User:
        rng = random.Random(f"{self.seed}:thelook:user:{user_id}")
        gender = rng.choice("MF")
        first, last = rng.choice(FIRST_NAMES[gender]), rng.choice(LAST_NAMES)
        place = rng.choices(PLACES, [p[6] for p in PLACES])[0]
        created = self._moment(rng, since or datetime.combine(self.start, datetime.min.time()))
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
            pick(rng, USER_SOURCES),
            utc(created, micro=recent),
        ]
        return User(user_id, row, gender, created, place)

    def _orders(self) -> list[Order]:
        rng = random.Random(f"{self.seed}:thelook:orders")
        orders: list[Order] = []
        for user in self.users:
            for _ in range(rng.choices([0, 1, 2, 3, 4], [0.2, 0.5, 0.2, 0.05, 0.05])[0]):
                created = self._moment(rng, user.created_at)
                item_id = orders[-1].items[-1][0] if orders else 0
                orders.append(self._order(rng, len(orders) + 1, user, created, item_id))
        return orders

    def _order(
        self, rng: random.Random, order_id: int, user: User, created: datetime, item_id: int
    ) -> Order:
        """One order placed at ``created``: its final status, milestones and items (ids
        after ``item_id``)."""
        final = pick(rng, FINAL_STATUS)
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
                    milestones["Returned"] = delivered + timedelta(minutes=rng.randrange(3 * 1440))
        order = Order(order_id, user, created, final, milestones)
        for _ in range(rng.choices([1, 2, 3, 4], [0.7, 0.2, 0.05, 0.05])[0]):
            item_id += 1
            product = rng.choice(self.by_department[user.gender])
            # Bought in the order's own session, on the order's day.
            end_of_day = datetime.combine(created.date(), datetime.max.time())
            bought = min(created + timedelta(seconds=rng.randrange(600)), end_of_day)
            order.items.append((item_id, product, item_id, bought))
        # Shipped once every item is bought (the live dataset breaks this now and then;
        # ingestion warns about it, so fault-free data keeps it).
        last_bought = max(bought for *_, bought in order.items)
        if "Shipped" in milestones and milestones["Shipped"] < last_bought:
            lag = last_bought - milestones["Shipped"]
            for status in ("Shipped", "Complete", "Returned"):
                if status in milestones:
                    milestones[status] += lag
        return order

    def extend(self, day: date) -> None:
        """Continue the store one day past its planned period (``day`` is the day after the
        last one planned or extended): as many users sign up as on an average planned day,
        and as many orders are placed, by users old and new, as on the last day; ids carry
        on. Call :meth:`day_rows` for every earlier day first (sessions carry on too)."""
        if day != self.end.date():
            raise ValueError(f"the store continues on {self.end.date()}, not {day}")
        rng = random.Random(f"{self.seed}:thelook:extend:{day.isoformat()}")
        previous = day - timedelta(days=1)
        placed = max(1, sum(o.created_at.date() == previous for o in self.orders))
        morning = datetime.combine(day, datetime.min.time())
        self.end = morning + timedelta(days=1)
        for _ in range(max(1, self.planned_users // self.days)):
            self.users.append(self._user(len(self.users) + 1, since=morning))
        for _ in range(placed):
            user = rng.choice(self.users)
            created = self._moment(rng, max(morning, user.created_at))
            item_id = max(i[0] for o in self.orders[-50:] for i in o.items)
            order = self._order(rng, len(self.orders) + 1, user, created, item_id)
            self.orders.append(order)
            for change in sorted(order.change_days()):
                self.changes.setdefault(change, []).append(order)

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
                    rows["events"] += self.sessions.purchase(
                        rng, order.user.id, order.user.place, product, len(order.items), bought
                    )
        for _ in range(self.ghost_sessions_per_day):
            rows["events"] += self.sessions.ghost(rng, day, self.products)
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
