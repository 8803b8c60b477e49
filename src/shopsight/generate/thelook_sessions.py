"""thelook's web sessions, a day at a time as arrays: one purchase session per order item and
anonymous ghost sessions.

Funnels, weights and URIs follow ../shared/reference/thelook.md: a single-item order's
session is home → department → product → cart → purchase; an n-item order's repeats
department → product → cart n times and ends in purchase; ghost sessions take one of four
paths, the only ones with a cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopsight.generate.thelook_catalog import Product, shares
from shopsight.generate.thelook_text import either_stamps, uuid4_texts

EVENT_SOURCES = {"Email": 0.45, "Adwords": 0.30, "YouTube": 0.10, "Facebook": 0.10, "Organic": 0.05}
BROWSERS = {"Chrome": 0.50, "Safari": 0.20, "Firefox": 0.20, "IE": 0.05, "Other": 0.05}
KINDS = ["home", "department", "product", "cart", "purchase", "cancel"]
HOME, DEPARTMENT, PRODUCT, CART, PURCHASE, CANCEL = range(len(KINDS))
GHOST_PATHS = [
    [PRODUCT, CART, CANCEL],
    [DEPARTMENT, PRODUCT, CART],
    [PRODUCT],
    [DEPARTMENT, PRODUCT],
]
_GHOST_LENGTHS = np.array([len(path) for path in GHOST_PATHS])
_GHOST_KINDS = np.array([path + [HOME] * (3 - len(path)) for path in GHOST_PATHS])
_ONE_ITEM = np.array([HOME, DEPARTMENT, PRODUCT, CART, PURCHASE])
_BROWSE = np.array([DEPARTMENT, PRODUCT, CART])
_KIND_NAMES = pa.array(KINDS)
_KIND_URIS = pa.array([f"/{kind}" for kind in KINDS])
# The longest pause between two events, in seconds: a buyer's and a browser's.
PURCHASE_GAP, GHOST_GAP = 3 * 60, 29 * 60


@dataclass
class ProductColumns:
    """The catalogue as columns (row = product id - 1), with each product's page URIs."""

    cost: pa.Array
    category: pa.Array
    name: pa.Array
    brand: pa.Array
    retail_price: pa.Array
    department: pa.Array
    sku: pa.Array
    distribution_center_id: pa.Array
    price_cents: np.ndarray
    men: np.ndarray  # product ids by department
    women: np.ndarray
    product_uri: pa.Array
    department_uri: pa.Array

    @classmethod
    def of(cls, products: list[Product]) -> ProductColumns:
        def column(name: str) -> pa.Array:
            return pa.array([getattr(p, name) for p in products])

        def plain(text: str) -> str:
            return text.lower().replace(" ", "")

        ids = np.array([p.id for p in products])
        department = np.array([p.department for p in products])
        return cls(
            cost=column("cost"),
            category=column("category"),
            name=column("name"),
            brand=column("brand"),
            retail_price=column("retail_price"),
            department=column("department"),
            sku=column("sku"),
            distribution_center_id=column("distribution_center_id"),
            price_cents=np.array([round(p.retail_price * 100) for p in products], dtype=np.int64),
            men=ids[department == "Men"],
            women=ids[department == "Women"],
            product_uri=pa.array([f"/product/{p.id}" for p in products]),
            department_uri=pa.array(
                [
                    f"/department/{p.department.lower()}/category/{plain(p.category)}"
                    f"/brand/{plain(p.brand)}"
                    for p in products
                ]
            ),
        )

    def pick_for(self, rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
        """A product id per buyer, from the buyer's department (0 = men's, 1 = women's)."""
        draw = rng.random(len(gender))
        men = self.men[(draw * len(self.men)).astype(np.int64)]
        women = self.women[(draw * len(self.women)).astype(np.int64)]
        return np.where(gender == 0, men, women)


@dataclass
class PlaceColumns:
    city: pa.Array
    state: pa.Array
    postal_code: pa.Array
    country: pa.Array
    latitude: pa.Array
    longitude: pa.Array
    weights: np.ndarray

    @classmethod
    def of(cls, places: list[tuple]) -> PlaceColumns:
        city, state, postal_code, country, latitude, longitude, weight = (
            pa.array(list(values)) for values in zip(*places, strict=True)
        )
        weights = np.array(weight.to_pylist(), dtype=float)
        return cls(city, state, postal_code, country, latitude, longitude, weights / weights.sum())


@dataclass
class Purchases:
    """One row per order item bought on the day: its buyer (position), product, the number
    of items in its order, and when it was bought (epoch seconds)."""

    user: np.ndarray
    product: np.ndarray
    items_in_order: np.ndarray
    bought: np.ndarray


def draw_ghost_paths(rng: np.random.Generator, sessions: int) -> np.ndarray:
    """Which of GHOST_PATHS each of the day's ghost sessions takes (a stream of its own, so
    the day's event count is known without making its events)."""
    return rng.integers(0, len(GHOST_PATHS), sessions)


def _purchase_lengths(items_in_order: np.ndarray) -> np.ndarray:
    return np.where(items_in_order == 1, len(_ONE_ITEM), 3 * items_in_order + 1)


def count_events(items_in_order: np.ndarray, ghost_paths: np.ndarray) -> int:
    """How many events a day of these purchases and ghost sessions makes."""
    return int(_purchase_lengths(items_in_order).sum() + _GHOST_LENGTHS[ghost_paths].sum())


def make_events(
    rng: np.random.Generator,
    purchases: Purchases,
    user_places: np.ndarray,
    ghost_paths: np.ndarray,
    day_start: int,
    products: ProductColumns,
    places: PlaceColumns,
    first_event_id: int,
) -> pa.Table:
    """The day's events: every purchase session, then every ghost session; ids from
    ``first_event_id + 1`` in that order."""
    bought, ghosts = len(purchases.user), len(ghost_paths)
    is_ghost = np.repeat([False, True], [bought, ghosts])
    lengths = np.concatenate(
        [_purchase_lengths(purchases.items_in_order), _GHOST_LENGTHS[ghost_paths]]
    )
    session = np.repeat(np.arange(bought + ghosts), lengths)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(len(session)) - starts[session]
    kind = _kinds(purchases.items_in_order, ghost_paths, session, position, bought)
    # Session by session: the last event's moment, then the pauses before it.
    last = np.concatenate(
        [
            purchases.bought * 1_000_000,
            day_start * 1_000_000
            + rng.integers(0, 86_400, ghosts) * 1_000_000
            + rng.integers(0, 1_000_000, ghosts),
        ]
    )
    gap = rng.integers(0, np.where(is_ghost, GHOST_GAP, PURCHASE_GAP)[session] + 1)
    ends = starts + lengths - 1
    gap[ends] = 0
    waited = np.cumsum(gap)
    moment = last[session] - (waited[ends][session] - waited + gap) * 1_000_000
    product = (
        np.concatenate(
            [
                purchases.product,
                rng.integers(1, len(products.men) + len(products.women) + 1, ghosts),
            ]
        )[session]
        - 1
    )
    place = np.concatenate(
        [user_places[purchases.user], rng.choice(len(places.weights), ghosts, p=places.weights)]
    )
    place_of_event = pa.array(place[session])
    ip = pc.binary_join_element_wise(
        *(pc.cast(pa.array(rng.integers(1, 255, bought + ghosts)), pa.string()) for _ in range(4)),
        ".",
    )
    by_session = pa.array(session)
    kinds = pa.array(kind)
    uri = pc.if_else(
        pa.array(kind == PRODUCT),
        products.product_uri.take(pa.array(product)),
        pc.if_else(
            pa.array(kind == DEPARTMENT),
            products.department_uri.take(pa.array(product)),
            _KIND_URIS.take(kinds),
        ),
    )
    user = np.concatenate([purchases.user + 1, np.zeros(ghosts, dtype=np.int64)])[session]
    return pa.table(
        {
            "id": first_event_id + 1 + np.arange(len(session)),
            "user_id": pa.array(user, mask=is_ghost[session]),
            "sequence_number": position + 1,
            "session_id": uuid4_texts(rng.integers(0, 256, (bought + ghosts, 16))).take(by_session),
            "created_at": either_stamps(moment, is_ghost[session]),
            "ip_address": ip.take(by_session),
            "city": places.city.take(place_of_event),
            "state": places.state.take(place_of_event),
            "postal_code": places.postal_code.take(place_of_event),
            "browser": pa.array(list(BROWSERS)).take(
                pa.array(rng.choice(len(BROWSERS), bought + ghosts, p=shares(BROWSERS))[session])
            ),
            "traffic_source": pa.array(list(EVENT_SOURCES)).take(
                pa.array(
                    rng.choice(len(EVENT_SOURCES), bought + ghosts, p=shares(EVENT_SOURCES))[
                        session
                    ]
                )
            ),
            "uri": uri,
            "event_type": _KIND_NAMES.take(kinds),
        }
    )


def _kinds(
    items_in_order: np.ndarray,
    ghost_paths: np.ndarray,
    session: np.ndarray,
    position: np.ndarray,
    bought: int,
) -> np.ndarray:
    """Each event's kind from its session's funnel and its place in it."""
    kind = np.empty(len(session), dtype=np.int64)
    buying = session < bought
    n = items_in_order[session[buying]]
    at = position[buying]
    kind[buying] = np.where(
        n == 1,
        _ONE_ITEM[np.minimum(at, len(_ONE_ITEM) - 1)],
        np.where(at == 3 * n, PURCHASE, _BROWSE[at % 3]),
    )
    browsing = ~buying
    kind[browsing] = _GHOST_KINDS[ghost_paths[session[browsing] - bought], position[browsing]]
    return kind
