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

from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa

from shopsight.contracts.model import load_contract
from shopsight.generate.thelook_catalog import (
    DISTRIBUTION_CENTERS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    catalogue,
    shares,
)
from shopsight.generate.thelook_rows import (
    CANCELLED,
    COMPLETE,
    DAY,
    FINAL_STATUS,
    RETURNED,
    SHIPPED,
    USER_SOURCES,
    Items,
    Orders,
    Users,
    concat_columns,
    inventory_rows,
    items_rows,
    orders_rows,
    users_rows,
)
from shopsight.generate.thelook_sessions import (
    PlaceColumns,
    ProductColumns,
    Purchases,
    count_events,
    draw_ghost_paths,
    make_events,
)
from shopsight.generate.thelook_text import NO_TIME

SOURCE = "thelook"
# The export's columns, in file order, straight from the contract (never written twice).
HEADERS = {name: table.column_names for name, table in load_contract(SOURCE).tables.items()}
# Random streams: one per purpose (and per day), so each can be drawn alone.
USERS, ORDERS, SESSIONS, GHOST_PATHS, SHELF, EXTEND = range(1, 7)


def _epoch(day: date) -> int:
    return int((datetime.combine(day, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds())


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
            self._rng(ORDERS).choice(5, users, p=shares([0.2, 0.5, 0.2, 0.05, 0.05])),
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
            place=rng.choice(len(PLACES), n, p=shares([p[6] for p in PLACES])),
            street_number=rng.integers(1, 10_000, n),
            street=rng.integers(0, 3, n),
            source=rng.choice(len(USER_SOURCES), n, p=shares(USER_SOURCES)),
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
        final = rng.choice(5, n, p=shares(FINAL_STATUS))

        def later(moment: np.ndarray, minutes: int, when: np.ndarray) -> np.ndarray:
            return np.where(when, moment + 60 * rng.integers(0, minutes, n), NO_TIME)

        ships = np.isin(final, [SHIPPED, COMPLETE, RETURNED])
        delivers = np.isin(final, [COMPLETE, RETURNED])
        cancelled = later(created, 1440, final == CANCELLED)
        shipped = later(created, 3 * 1440, ships)
        complete = later(shipped, 5 * 1440, delivers)
        returned = later(complete, 3 * 1440, final == RETURNED)
        counts = rng.choice([1, 2, 3, 4], n, p=shares([0.7, 0.2, 0.05, 0.05]))
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
        self.users = concat_columns(self.users, new)
        owners = rng.integers(0, len(self.users.gender), placed)
        after = np.maximum(morning, self.users.created[owners])
        orders, items = self._new_orders(
            rng, owners, after, len(self.orders.user), len(self.items.order)
        )
        self.orders, self.items = (
            concat_columns(self.orders, orders),
            concat_columns(self.items, items),
        )  # type: ignore[assignment]
        self._changes = None

    @property
    def carried_ids(self) -> dict[str, int]:
        """The last event and inventory ids made: what the next day goes on from."""
        return {"event_id": self._event_id, "inventory_id": self._inventory_id}

    def carry_on(self, ids: dict[str, int]) -> None:
        """Take up the ids a later day goes on from (:attr:`carried_ids` of the run that
        wrote the days before it), instead of skipping each of those days."""
        self._event_id, self._inventory_id = int(ids["event_id"]), int(ids["inventory_id"])

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
        tables["users"] = users_rows(
            self.users, self.places, np.flatnonzero(self.users.created // DAY == _epoch(day) // DAY)
        )
        changed = self._orders_changed_on(day)
        until = _epoch(day) + DAY - 1
        tables["orders"], states = orders_rows(self.orders, self.users, changed, until)
        tables["order_items"] = items_rows(self.orders, self.items, self.products, changed, states)
        sold = self._items_placed_on(day)
        shelf = self._shelf_units(day, len(sold))
        tables["inventory_items"] = inventory_rows(
            self._rng(SHELF, day.toordinal(), 1),
            self.items,
            self.products,
            sold,
            shelf,
            self._inventory_id + 1,
        )
        self._inventory_id += int(shelf.sum())
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
        return self._rng(SHELF, day.toordinal()).choice([1, 2, 3], sold, p=shares([0.5, 0.3, 0.2]))

    def order_amounts(self, day: date | None = None) -> tuple[np.ndarray, ...]:
        """Every order's (or only those placed on ``day``) id, user id, placing time, amount
        in cents and whether it is not its user's first order, ordered by placing time then
        id (the transactions feed's order). A day sorts only its own orders."""
        o = self.orders
        n = len(o.user)
        chosen = np.arange(n)
        if day is not None:
            morning = _epoch(day)
            chosen = np.flatnonzero((o.created >= morning) & (o.created < morning + DAY))
        by_time = chosen[np.lexsort((chosen, o.created[chosen]))]
        cents = self.products.price_cents[self.items.product - 1]
        amounts = np.add.reduceat(cents, o.first_item) if n else cents
        # A user's first order is the one placed first, the lower id first on a tie: the
        # least of placing time x n + position, the feed's own order as one number.
        rank = o.created * n + np.arange(n)
        first = np.full(len(self.users.gender), np.iinfo(np.int64).max)
        np.minimum.at(first, o.user, rank)
        repeat = first[o.user[by_time]] != rank[by_time]
        return by_time + 1, o.user[by_time] + 1, o.created[by_time], amounts[by_time], repeat


def _rows_table(table: str, rows: list) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {name: list(values) for name, values in zip(HEADERS[table], columns, strict=True)}
    )
