"""A day of the web shop as Arrow tables: the simulation's columns (users, orders, items)
and the rows each file lists from them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopsight.generate.thelook_catalog import FIRST_NAMES, LAST_NAMES
from shopsight.generate.thelook_sessions import PlaceColumns, ProductColumns
from shopsight.generate.thelook_text import NO_TIME, either_stamps, joined, micro_stamps, stamps

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
Columns = TypeVar("Columns", "Users", "Orders", "Items")


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


def concat_columns(a: Columns, b: Columns) -> Columns:
    """Two column sets of one kind, one after the other."""
    joined_columns = {
        f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)
    }
    return type(a)(**joined_columns)


def users_rows(u: Users, places: PlaceColumns, chosen: np.ndarray) -> pa.Table:
    """The users ``chosen`` (positions), as the users file lists them."""
    place = pa.array(u.place[chosen])
    gender = pa.array(np.array(["M", "F"])[u.gender[chosen]])
    first = np.array([FIRST_NAMES["M"], FIRST_NAMES["F"]])[u.gender[chosen], u.first[chosen]]
    last = np.array(LAST_NAMES)[u.last[chosen]]
    domain = np.array(["com", "net", "org"])[u.domain[chosen]]
    email = pc.utf8_lower(joined(pa.array(first), pa.array(last), "@example.", pa.array(domain)))
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


def orders_rows(
    o: Orders, users: Users, changed: np.ndarray, until: int
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """The changed orders as known at ``until``: status and the times reached by then."""

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
            "gender": pa.array(np.array(["M", "F"])[users.gender[o.user[changed]]]),
            "created_at": stamps(o.created[changed]),
            **{
                name: stamps(states[name]) for name in ("returned_at", "shipped_at", "delivered_at")
            },
            "num_of_item": o.items[changed],
        }
    )
    return table, states


def items_rows(
    orders: Orders,
    items: Items,
    products: ProductColumns,
    changed: np.ndarray,
    states: dict[str, np.ndarray],
) -> pa.Table:
    """The items of the orders ``changed``, in the states orders_rows found."""
    counts = orders.items[changed]
    of_order = np.repeat(np.arange(len(changed)), counts)
    chosen = (
        np.repeat(orders.first_item[changed], counts)
        + np.arange(counts.sum())
        - np.repeat(np.cumsum(counts) - counts, counts)
    )
    product = items.product[chosen]
    return pa.table(
        {
            "id": chosen + 1,
            "order_id": changed[of_order] + 1,
            "user_id": orders.user[changed][of_order] + 1,
            "product_id": product,
            "inventory_item_id": chosen + 1,
            "status": STATUS_NAMES.take(pa.array(states["status"][of_order])),
            "created_at": stamps(items.bought[chosen]),
            **{
                name: stamps(states[name][of_order])
                for name in ("shipped_at", "delivered_at", "returned_at")
            },
            "sale_price": products.retail_price.take(pa.array(product - 1)),
        }
    )


def inventory_rows(
    rng: np.random.Generator,
    items: Items,
    products: ProductColumns,
    sold: np.ndarray,
    shelf: np.ndarray,
    first_unit_id: int,
) -> pa.Table:
    """Each sold unit (the items ``sold``), then its ``shelf`` units of the same product
    still on the shelf, numbered from ``first_unit_id``."""
    units = 1 + shelf
    item = np.repeat(sold, units)
    rank = np.arange(units.sum()) - np.repeat(np.cumsum(units) - units, units)
    is_sold = rank == 0
    unit_id = np.where(is_sold, item + 1, 0)
    unit_id[~is_sold] = first_unit_id + np.arange(np.count_nonzero(~is_sold))
    bought = items.bought[item]
    created = np.where(
        is_sold,
        (bought - 60 * rng.integers(0, 60 * 1440, len(item))) * 1_000_000,
        (bought - rng.integers(1, DAY, len(item))) * 1_000_000 - 1,
    )
    product = pa.array(items.product[item] - 1)
    p = products
    return pa.table(
        {
            "id": unit_id,
            "product_id": items.product[item],
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
