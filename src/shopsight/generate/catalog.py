"""The store's catalog and people: departments, categories, products and customer records.

Everything here is a pure function of its inputs, so a generator can rebuild any record from
its id and a seed instead of holding millions of them in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

DEPARTMENTS = ["Fitness", "Footwear", "Apparel", "Golf", "Outdoors", "Fan Shop"]
CATEGORY_WORDS = [
    "Cardio Equipment",
    "Strength Training",
    "Yoga",
    "Running Shoes",
    "Trail Shoes",
    "Kids' Footwear",
    "Men's Apparel",
    "Women's Apparel",
    "Accessories",
    "Golf Balls",
    "Golf Clubs",
    "Golf Bags & Carts",
    "Camping & Hiking",
    "Fishing",
    "Hunting & Shooting",
    "Water Sports",
    "Team Shop",
    "Fan Gear",
    "Tennis & Racquet",
    "Lacrosse",
]
BRANDS = [
    "Nike",
    "Under Armour",
    "Diamondback",
    "Pelican",
    "O'Brien",
    "Titleist",
    "Columbia",
    "Garmin",
    "Bowflex",
    "TaylorMade",
    "adidas",
    "Merrell",
    "Coleman",
    "Hirzl",
]
ITEMS = [
    "Running Shoe",
    "Sports Bra",
    "Cleats",
    "Kayak",
    "Life Vest",
    "Polo",
    "Glove",
    "Tent",
    "Sleeping Bag",
    "Backpack",
    "Treadmill",
    "Dumbbell Set",
    "Golf Ball Pack",
    "Driver",
    "Rain Jacket",
    "Water Bottle",
    "Fishing Rod",
    "Jersey",
    "Hoodie",
    "Socks",
]
FIRST_NAMES = [
    "Mary",
    "James",
    "Robert",
    "Linda",
    "David",
    "Maria",
    "Jose",
    "Ann",
    "Richard",
    "Karen",
    "Juan",
    "Sofia",
    "Chen",
    "Aisha",
    "Tom",
    "Olga",
    "Kenji",
    "Fatima",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Garcia",
    "Lee",
    "Brown",
    "Martinez",
    "Nguyen",
    "Davis",
    "O'Connor",
    "Lopez",
    "Wilson",
    "Anderson",
    "Kim",
    "Patel",
    "Rossi",
    "Novak",
]
CITIES = [
    ("Caguas", "PR", "00725"),
    ("Brooklyn", "NY", "11201"),
    ("Chicago", "IL", "60601"),
    ("Los Angeles", "CA", "90001"),
    ("Boston", "MA", "02108"),
    ("Newark", "NJ", "07102"),
    ("Houston", "TX", "77001"),
    ("Denver", "CO", "80202"),
    ("Hartford", "CT", "06103"),
    ("Portland", "ME", "04101"),
    ("Seattle", "WA", "98101"),
    ("Miami", "FL", "33101"),
]
STREETS = ["Main St", "Oak Avenue", "Pine Street", "Cedar Court", "Elm Way", "Lake Drive"]


@dataclass(frozen=True)
class Product:
    product_id: int
    category_id: int
    name: str
    description: str
    base_price: float
    image: str


def categories(n_categories: int = 58) -> list[tuple[int, int, str]]:
    """(category_id, department_id, name) for the catalog's categories."""
    rows = []
    for index in range(n_categories):
        word = CATEGORY_WORDS[index % len(CATEGORY_WORDS)]
        suffix = "" if index < len(CATEGORY_WORDS) else f" {index // len(CATEGORY_WORDS) + 1}"
        rows.append((index + 1, index % len(DEPARTMENTS) + 1, f"{word}{suffix}"[:45]))
    return rows


def product(seed: int, product_id: int, n_categories: int = 58) -> Product:
    """The product with this id, as first delivered."""
    rng = random.Random(f"{seed}:product:{product_id}")
    brand, item = rng.choice(BRANDS), rng.choice(ITEMS)
    # About one name in eight carries a comma, as real catalog names do.
    name = (
        f"{brand} {item}, Size {rng.randint(5, 13)}"
        if rng.random() < 0.125
        else (f"{brand} Men's {item} {rng.randint(100, 999)}")
    )
    price = round(
        rng.choice([9.99, 19.99, 24.99, 39.99, 59.99, 129.99, 299.98, 399.98])
        * rng.uniform(0.8, 1.2),
        2,
    )
    return Product(
        product_id=product_id,
        category_id=rng.randint(1, n_categories),
        name=name[:45],
        description=f"{brand} {item}: quality sporting goods"[:255],
        base_price=price,
        image=f"https://images.example.com/products/{product_id}.jpg",
    )


def customer_rows(seed: int, ids: np.ndarray, versions: np.ndarray) -> list[list[str]]:
    """Customer records by id; ``versions`` counts each one's moves (a new address each
    time). A pure function of seed, id and version, drawn for many customers at once."""
    person = _hash(seed, 1, ids)
    place = _hash(seed, 2, ids * 1024 + versions)
    first = np.array(FIRST_NAMES)[person % len(FIRST_NAMES)]
    last = np.array(LAST_NAMES)[(person >> np.uint64(16)) % len(LAST_NAMES)]
    city = (place % len(CITIES)).tolist()
    number = (np.uint64(1) + (place >> np.uint64(16)) % np.uint64(9999)).tolist()
    street = np.array(STREETS)[(place >> np.uint64(32)) % len(STREETS)].tolist()
    return [
        [str(c), f, la, "XXXXXXXXX", "XXXXXXXXX", f"{n} {s}", *CITIES[k]]
        for c, f, la, n, s, k in zip(
            ids.tolist(), first.tolist(), last.tolist(), number, street, city, strict=True
        )
    ]


def _hash(seed: int, salt: int, values: np.ndarray) -> np.ndarray:
    """splitmix64 of (seed, salt, value): well-spread 64-bit numbers, one per value."""
    x = values.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x += np.uint64((seed * 1_000_003 + salt) % 2**64)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))
