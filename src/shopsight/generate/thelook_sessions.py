"""thelook's web sessions: purchase sessions per order item and anonymous ghost sessions.

Funnels, weights and URIs follow ../shared/reference/thelook.md: a single-item order's
session is home → department → product → cart → purchase; an n-item order's repeats
department → product → cart n times and ends in purchase; ghost sessions take one of four
paths, the only ones with a cancel.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from shopsight.generate.thelook_catalog import PLACES, Product, pick, utc

EVENT_SOURCES = {"Email": 0.45, "Adwords": 0.30, "YouTube": 0.10, "Facebook": 0.10, "Organic": 0.05}
BROWSERS = {"Chrome": 0.50, "Safari": 0.20, "Firefox": 0.20, "IE": 0.05, "Other": 0.05}
GHOST_PATHS = [
    ["product", "cart", "cancel"],
    ["department", "product", "cart"],
    ["product"],
    ["department", "product"],
]


class SessionWriter:
    """Makes event rows; numbers events in the order they are made."""

    def __init__(self) -> None:
        self.event_id = 0

    def purchase(
        self,
        rng: random.Random,
        user_id: int,
        place: tuple,
        product: Product,
        items_in_order: int,
        bought: datetime,
    ) -> list[list[object]]:
        """The session in which one order item was bought (its purchase event at ``bought``)."""
        browse: list[tuple[str, Product | None]] = [
            ("department", product),
            ("product", product),
            ("cart", product),
        ]
        steps = [("home", None), *browse] if items_in_order == 1 else browse * items_in_order
        return self._session(rng, user_id, place, [*steps, ("purchase", None)], bought, 3)

    def ghost(self, rng: random.Random, day: date, products: list[Product]) -> list[list[object]]:
        """An anonymous session on ``day`` that looks at one product."""
        place = rng.choices(PLACES, [p[6] for p in PLACES])[0]
        product = rng.choice(products)
        path = rng.choice(GHOST_PATHS)
        start = datetime.combine(day, datetime.min.time())
        last = start + timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))
        return self._session(rng, None, place, [(kind, product) for kind in path], last, 29)

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
        source, browser = pick(rng, EVENT_SOURCES), pick(rng, BROWSERS)
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        moments = [last]
        for _ in steps[1:]:
            moments.append(moments[-1] - timedelta(seconds=rng.randrange(gap_minutes * 60 + 1)))
        rows = []
        for sequence, ((kind, product), moment) in enumerate(
            zip(steps, reversed(moments), strict=True), start=1
        ):
            self.event_id += 1
            rows.append(
                [
                    self.event_id,
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
