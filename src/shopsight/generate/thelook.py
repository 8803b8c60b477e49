"""The thelook web shop, simulated with numpy and exported day by day (CSV with a header row).

Users sign up over the period and place 0-4 orders; each order item is bought in its own
web session (home/department → product → cart → purchase) and anonymous "ghost" sessions
browse and cancel. Orders start as Processing and are re-delivered, with their items, on
each day their status moves on (Shipped, Complete, Returned; or Cancelled). Weights and
rules follow ../shared/reference/thelook.md. Users and orders are planned up front as arrays;
a day's sessions are drawn from that day's own random stream, so a day costs its own size
and a later day can be made without making the days before it (decision 0026).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopsight.contracts.model import load_contract
from shopsight.generate.thelook_catalog import (
    DISTRIBUTION_CENTERS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    catalogue,
)
from shopsight.generate.thelook_sessions import (
    PlaceColumns,
    ProductColumns,
    Purchases,
    count_events,
    draw_ghost_paths,
    make_events,
)
from shopsight.generate.thelook_text import NO_TIME, either_stamps, joined, micro_stamps, stamps

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
COMPLETE, CANCELLED, RETURNED, PROCESSING, SHIPPED = range(5)  # FINAL_STATUS's order
STATUS_NAMES = pa.array(list(FINAL_STATUS))
DAY = 86_400
# Random streams: one per purpose (and per day), so each can be drawn alone.
USERS, ORDERS, SESSIONS, GHOST_PATHS, SHELF, EXTEND = range(1, 7)


def _weights(mix: dict[str, float] | list[float]) -> np.ndarray:
    values = np.array(list(mix.values()) if isinstance(mix, dict) else mix, dtype=float)
    return values / values.sum()


def _epoch(day: date) -> int:
    return int((datetime.combine(day, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds())


@dataclass
class Users:
    """Users as columns (user id = position + 1); times are epoch seconds."""

    gender: np.ndarray  # 0 = M, 1 = F
    first: np.ndarray
    last: np.ndarray
    domain: np.ndarray
    age: np.ndarray
    place: np.ndarray
    street_number: np.ndarray
    street: np.ndarray
    source: np.ndarray
    created: np.ndarray
    to_the_microsecond: np.ndarray  # signed up in the last week of the period known then


@dataclass
class Orders:
    """Orders as columns (order id = position + 1); milestones NO_TIME until reached."""

    user: np.ndarray  # the user's position
    created: np.ndarray
    cancelled: np.ndarray
    shipped: np.ndarray
    complete: np.ndarray
    returned: np.ndarray
    items: np.ndarray  # how many
    first_item: np.ndarray  # the position of its first item


@dataclass
class Items:
    """Order items as columns (item id = inventory id of the sold unit = position + 1)."""

    order: np.ndarray
    product: np.ndarray
    bought: np.ndarray


def _concat(a: object, b: object) -> object:
    return type(a)(
        **{f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)}  # type: ignore[arg-type]
    )


class TheLookSimulation:
    """Plans users and orders for a period; :meth:`day_tables` makes one day's files (call it,
    or :meth:`skip_day`, for every day in turn: event and inventory ids carry on)."""

    def __init__(self, seed: int, start: date, days: int, users: int) -> None:
        self.seed, self.start, self.days, self.planned_users = seed, start, days, users
        self.end = _epoch(start) + days * DAY
        self.catalogue = catalogue(seed, max(200, min(29_120, users // 4)))
        self.products = ProductColumns.of(self.catalogue)
        self.places = PlaceColumns.of(PLACES)
        self.users = self._new_users(self._rng(USERS), users, _epoch(start))
        owners = np.repeat(
            np.arange(users),
            self._rng(ORDERS).choice(5, users, p=_weights([0.2, 0.5, 0.2, 0.05, 0.05])),
        )
        self.orders, self.items = self._new_orders(
            self._rng(ORDERS, 1), owners, self.users.created[owners], 0, 0
        )
        self.ghost_sessions_per_day = max(1, users * 5 // max(days, 1))
        self._event_id = 0
        self._inventory_id = len(self.orders.user) * 5
        self._changes: np.ndarray | None = None

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *key])

    def _new_users(self, rng: np.random.Generator, n: int, since: int) -> Users:
        created = since + rng.integers(0, max(1, self.end - since - 1), n)
        return Users(
            gender=rng.integers(0, 2, n),
            first=rng.integers(0, len(FIRST_NAMES["M"]), n),
            last=rng.integers(0, len(LAST_NAMES), n),
            domain=rng.integers(0, 3, n),
            age=rng.integers(12, 71, n),
            place=rng.choice(len(PLACES), n, p=_weights([p[6] for p in PLACES])),
            street_number=rng.integers(1, 10_000, n),
            street=rng.integers(0, 3, n),
            source=rng.choice(len(USER_SOURCES), n, p=_weights(USER_SOURCES)),
            created=created,
            to_the_microsecond=created >= self.end - 7 * DAY,
        )

    def _new_orders(
        self,
        rng: np.random.Generator,
        owners: np.ndarray,
        after: np.ndarray,
        first_order: int,
        first_item: int,
    ) -> tuple[Orders, Items]:
        """Orders of ``owners`` placed after ``after`` (before the end), with their final
        status's milestones and their items (positions from ``first_order`` and
        ``first_item``)."""
        n = len(owners)
        created = after + rng.integers(0, np.maximum(1, self.end - after - 1))
        final = rng.choice(5, n, p=_weights(FINAL_STATUS))

        def later(moment: np.ndarray, minutes: int, when: np.ndarray) -> np.ndarray:
            return np.where(when, moment + 60 * rng.integers(0, minutes, n), NO_TIME)

        ships = np.isin(final, [SHIPPED, COMPLETE, RETURNED])
        delivers = np.isin(final, [COMPLETE, RETURNED])
        cancelled = later(created, 1440, final == CANCELLED)
        shipped = later(created, 3 * 1440, ships)
        complete = later(shipped, 5 * 1440, delivers)
        returned = later(complete, 3 * 1440, final == RETURNED)
        counts = rng.choice([1, 2, 3, 4], n, p=_weights([0.7, 0.2, 0.05, 0.05]))
        starts = np.cumsum(counts) - counts
        order_of_item = np.repeat(np.arange(n), counts)
        product = self.products.pick_for(rng, self.users.gender[owners][order_of_item])
        placed = created[order_of_item]
        bought = np.minimum(
            placed + rng.integers(0, 600, len(placed)), placed // DAY * DAY + DAY - 1
        )
        # Shipped once every item is bought (the live dataset breaks this now and then;
        # ingestion warns about it, so fault-free data keeps it).
        last_bought = np.maximum.reduceat(bought, starts) if n else bought
        lag = np.where(ships & (shipped < last_bought), last_bought - shipped, 0)
        shipped, complete, returned = (
            np.where(t != NO_TIME, t + lag, t) for t in (shipped, complete, returned)
        )
        orders = Orders(
            owners, created, cancelled, shipped, complete, returned, counts, first_item + starts
        )
        return orders, Items(first_order + order_of_item, product, bought)

    def extend(self, day: date) -> None:
        """Continue the store one day past its planned period (``day`` is the day after the
        last one planned or extended): as many users sign up as on an average planned day,
        and as many orders are placed, by users old and new, as on the last day; ids carry
        on."""
        morning = _epoch(day)
        if morning != self.end:
            raise ValueError(f"the store continues on {self.end_date}, not {day}")
        rng = self._rng(EXTEND, day.toordinal())
        placed = max(1, int(np.count_nonzero(self.orders.created // DAY == morning // DAY - 1)))
        self.end = morning + DAY
        new = self._new_users(rng, max(1, self.planned_users // self.days), morning)
        self.users = _concat(self.users, new)  # type: ignore[assignment]
        owners = rng.integers(0, len(self.users.gender), placed)
        after = np.maximum(morning, self.users.created[owners])
        orders, items = self._new_orders(
            rng, owners, after, len(self.orders.user), len(self.items.order)
        )
        self.orders, self.items = _concat(self.orders, orders), _concat(self.items, items)  # type: ignore[assignment]
        self._changes = None

    @property
    def end_date(self) -> date:
        return date(1970, 1, 1) + timedelta(days=self.end // DAY)

    def skip_day(self, day: date) -> None:
        """Move the ids on as :meth:`day_tables` would, without making the day's rows."""
        sold = self._items_placed_on(day)
        self._inventory_id += int(self._shelf_units(day, len(sold)).sum())
        paths = draw_ghost_paths(
            self._rng(GHOST_PATHS, day.toordinal()), self.ghost_sessions_per_day
        )
        self._event_id += count_events(self.orders.items[self.items.order[sold]], paths)

    def day_tables(self, day: date) -> dict[str, pa.Table]:
        """Every table's rows delivered on ``day``, as columns."""
        tables = {table: pa.table({}) for table in HEADERS}
        if day == self.start:
            tables["distribution_centers"] = _rows_table(
                "distribution_centers", DISTRIBUTION_CENTERS
            )
            tables["products"] = _rows_table("products", [p.row() for p in self.catalogue])
        tables["users"] = self._users_table(
            np.flatnonzero(self.users.created // DAY == _epoch(day) // DAY)
        )
        changed = self._orders_changed_on(day)
        until = _epoch(day) + DAY - 1
        tables["orders"], states = self._orders_table(changed, until)
        tables["order_items"] = self._items_table(changed, states)
        sold = self._items_placed_on(day)
        tables["inventory_items"] = self._inventory_table(day, sold)
        purchases = Purchases(
            user=self.orders.user[self.items.order[sold]],
            product=self.items.product[sold],
            items_in_order=self.orders.items[self.items.order[sold]],
            bought=self.items.bought[sold],
        )
        paths = draw_ghost_paths(
            self._rng(GHOST_PATHS, day.toordinal()), self.ghost_sessions_per_day
        )
        events = make_events(
            self._rng(SESSIONS, day.toordinal()),
            purchases,
            self.users.place,
            paths,
            _epoch(day),
            self.products,
            self.places,
            self._event_id,
        )
        self._event_id += events.num_rows
        tables["events"] = events
        return tables

    def _orders_changed_on(self, day: date) -> np.ndarray:
        """Positions of the orders placed or moved on ``day``, ascending."""
        if self._changes is None:  # each milestone's day (an unset one's is -1)
            o = self.orders
            moments = np.stack([o.created, o.cancelled, o.shipped, o.complete, o.returned])
            self._changes = (moments // DAY).astype(np.int32)
        return np.flatnonzero((self._changes == _epoch(day) // DAY).any(axis=0))

    def _items_placed_on(self, day: date) -> np.ndarray:
        placed = np.flatnonzero(self.orders.created // DAY == _epoch(day) // DAY)
        counts = self.orders.items[placed]
        firsts = np.repeat(self.orders.first_item[placed], counts)
        return firsts + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)

    def _shelf_units(self, day: date, sold: int) -> np.ndarray:
        """Units of the same product still on the shelf, per unit sold on ``day`` (1-3)."""
        return self._rng(SHELF, day.toordinal()).choice(
            [1, 2, 3], sold, p=_weights([0.5, 0.3, 0.2])
        )

    def _users_table(self, chosen: np.ndarray) -> pa.Table:
        u, places = self.users, self.places
        place = pa.array(u.place[chosen])
        gender = pa.array(np.array(["M", "F"])[u.gender[chosen]])
        first = np.array([FIRST_NAMES["M"], FIRST_NAMES["F"]])[u.gender[chosen], u.first[chosen]]
        last = np.array(LAST_NAMES)[u.last[chosen]]
        domain = np.array(["com", "net", "org"])[u.domain[chosen]]
        email = pc.utf8_lower(
            joined(pa.array(first), pa.array(last), "@example.", pa.array(domain))
        )
        street = np.array(["Main", "Oak", "Park"])[u.street[chosen]]
        created = pc.if_else(
            pa.array(u.to_the_microsecond[chosen]),
            micro_stamps(u.created[chosen] * 1_000_000),
            stamps(u.created[chosen]),
        )
        return pa.table(
            {
                "id": chosen + 1,
                "first_name": first,
                "last_name": last,
                "email": email,
                "age": u.age[chosen],
                "gender": gender,
                "state": places.state.take(place),
                "street_address": joined(
                    pc.cast(pa.array(u.street_number[chosen]), pa.string()),
                    " ",
                    pa.array(street),
                    " Street",
                ),
                "postal_code": places.postal_code.take(place),
                "city": places.city.take(place),
                "country": places.country.take(place),
                "latitude": places.latitude.take(place),
                "longitude": places.longitude.take(place),
                "traffic_source": pa.array(list(USER_SOURCES)).take(pa.array(u.source[chosen])),
                "created_at": created,
            }
        )

    def _orders_table(
        self, changed: np.ndarray, until: int
    ) -> tuple[pa.Table, dict[str, np.ndarray]]:
        """The changed orders as known at ``until``: status and the times reached by then."""
        o = self.orders

        def reached(moments: np.ndarray) -> np.ndarray:
            return np.where((moments != NO_TIME) & (moments <= until), moments, NO_TIME)

        states = {
            "shipped_at": reached(o.shipped[changed]),
            "delivered_at": reached(o.complete[changed]),
            "returned_at": reached(o.returned[changed]),
        }
        status = np.full(len(changed), PROCESSING)
        for code, moments in [
            (CANCELLED, reached(o.cancelled[changed])),
            (SHIPPED, states["shipped_at"]),
            (COMPLETE, states["delivered_at"]),
            (RETURNED, states["returned_at"]),
        ]:
            status = np.where(moments != NO_TIME, code, status)
        states["status"] = status
        table = pa.table(
            {
                "order_id": changed + 1,
                "user_id": o.user[changed] + 1,
                "status": STATUS_NAMES.take(pa.array(status)),
                "gender": pa.array(np.array(["M", "F"])[self.users.gender[o.user[changed]]]),
                "created_at": stamps(o.created[changed]),
                **{
                    name: stamps(states[name])
                    for name in ("returned_at", "shipped_at", "delivered_at")
                },
                "num_of_item": o.items[changed],
            }
        )
        return table, states

    def _items_table(self, changed: np.ndarray, states: dict[str, np.ndarray]) -> pa.Table:
        counts = self.orders.items[changed]
        of_order = np.repeat(np.arange(len(changed)), counts)
        items = (
            np.repeat(self.orders.first_item[changed], counts)
            + np.arange(counts.sum())
            - np.repeat(np.cumsum(counts) - counts, counts)
        )
        product = self.items.product[items]
        return pa.table(
            {
                "id": items + 1,
                "order_id": changed[of_order] + 1,
                "user_id": self.orders.user[changed][of_order] + 1,
                "product_id": product,
                "inventory_item_id": items + 1,
                "status": STATUS_NAMES.take(pa.array(states["status"][of_order])),
                "created_at": stamps(self.items.bought[items]),
                **{
                    name: stamps(states[name][of_order])
                    for name in ("shipped_at", "delivered_at", "returned_at")
                },
                "sale_price": self.products.retail_price.take(pa.array(product - 1)),
            }
        )

    def _inventory_table(self, day: date, sold: np.ndarray) -> pa.Table:
        """Each sold unit, then 1-3 units of the same product still on the shelf."""
        rng = self._rng(SHELF, day.toordinal(), 1)
        shelf = self._shelf_units(day, len(sold))
        units = 1 + shelf
        item = np.repeat(sold, units)
        rank = np.arange(units.sum()) - np.repeat(np.cumsum(units) - units, units)
        is_sold = rank == 0
        unit_id = np.where(is_sold, item + 1, 0)
        unit_id[~is_sold] = self._inventory_id + 1 + np.arange(np.count_nonzero(~is_sold))
        self._inventory_id += int(shelf.sum())
        bought = self.items.bought[item]
        created = np.where(
            is_sold,
            (bought - 60 * rng.integers(0, 60 * 1440, len(item))) * 1_000_000,
            (bought - rng.integers(1, DAY, len(item))) * 1_000_000 - 1,
        )
        product = pa.array(self.items.product[item] - 1)
        p = self.products
        return pa.table(
            {
                "id": unit_id,
                "product_id": self.items.product[item],
                "created_at": either_stamps(created, ~is_sold),
                "sold_at": stamps(np.where(is_sold, bought, NO_TIME)),
                "cost": p.cost.take(product),
                "product_category": p.category.take(product),
                "product_name": p.name.take(product),
                "product_brand": p.brand.take(product),
                "product_retail_price": p.retail_price.take(product),
                "product_department": p.department.take(product),
                "product_sku": p.sku.take(product),
                "product_distribution_center_id": p.distribution_center_id.take(product),
            }
        )

    def order_amounts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every order's id, user id, placing time and amount in cents, ordered by placing
        time then id (the transactions feed's order)."""
        o = self.orders
        n = len(o.user)
        cents = self.products.price_cents[self.items.product - 1]
        amounts = np.add.reduceat(cents, o.first_item) if n else cents
        by_time = np.lexsort((np.arange(n), o.created))
        return by_time + 1, o.user[by_time] + 1, o.created[by_time], amounts[by_time]


def _rows_table(table: str, rows: list) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {name: list(values) for name, values in zip(HEADERS[table], columns, strict=True)}
    )
