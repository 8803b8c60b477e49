"""thelook's static world: distribution centers, the product catalogue and places.

Value domains and weights follow ../shared/reference/thelook.md (the official generator's
facts); names and places are this project's own small stand-ins.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import numpy as np

DISTRIBUTION_CENTERS = [
    (1, "Memphis TN", 35.1174, -89.9711),
    (2, "Chicago IL", 41.8369, -87.6847),
    (3, "Houston TX", 29.7604, -95.3698),
    (4, "Los Angeles CA", 34.05, -118.25),
    (5, "New Orleans LA", 29.95, -90.0667),
    (6, "Port Authority of New York/New Jersey NY/NJ", 40.634, -73.7834),
    (7, "Philadelphia PA", 39.95, -75.1667),
    (8, "Mobile AL", 30.6944, -88.0431),
    (9, "Charleston SC", 32.7833, -79.9333),
    (10, "Savannah GA", 32.0167, -81.1167),
]
# Products per category (the reference's profile, used as weights).
CATEGORIES = {
    "Men": {
        "Jeans": 1117,
        "Underwear": 1088,
        "Tops & Tees": 1084,
        "Pants": 1041,
        "Sweaters": 999,
        "Fashion Hoodies & Sweatshirts": 971,
        "Sleep & Lounge": 941,
        "Shorts": 939,
        "Swim": 906,
        "Socks": 905,
        "Outerwear & Coats": 828,
        "Accessories": 820,
        "Active": 753,
        "Suits & Sport Coats": 739,
    },
    "Women": {
        "Intimates": 2363,
        "Dresses": 955,
        "Maternity": 898,
        "Fashion Hoodies & Sweatshirts": 895,
        "Swim": 892,
        "Jeans": 882,
        "Sleep & Lounge": 830,
        "Shorts": 826,
        "Tops & Tees": 784,
        "Plus": 758,
        "Accessories": 739,
        "Sweaters": 738,
        "Active": 679,
        "Socks & Hosiery": 666,
        "Pants & Capris": 613,
        "Outerwear & Coats": 592,
        "Leggings": 564,
        "Blazers & Jackets": 561,
        "Skirts": 367,
        "Suits": 188,
        "Jumpsuits & Rompers": 162,
        "Clothing Sets": 37,
    },
}
BRANDS = [
    "Levi's",
    "Calvin Klein",
    "Allegra K",
    "Columbia",
    "Carhartt",
    "Dockers",
    "Hanes",
    "Volcom",
    "Nautica",
    "Quiksilver",
    "ASICS",
    "Alki'i",
    "TYR",
    "MG",
    "2XU",
]
# (city, state, postal code, country, latitude, longitude, weight)
PLACES = [
    ("Shanghai", "Shanghai", "200000", "China", 31.23, 121.47, 24),
    ("Beijing", "Beijing", "100000", "China", 39.90, 116.40, 10),
    ("New York", "New York", "10001", "United States", 40.71, -74.01, 8),
    ("Los Angeles", "California", "90001", "United States", 34.05, -118.24, 6),
    ("Chicago", "Illinois", "60601", "United States", 41.88, -87.63, 4),
    ("Houston", "Texas", "77001", "United States", 29.76, -95.37, 4),
    ("São Paulo", "São Paulo", "01000-000", "Brasil", -23.55, -46.63, 10),
    ("Rio de Janeiro", "Rio de Janeiro", "20000-000", "Brasil", -22.91, -43.17, 5),
    ("Seoul", "Seoul", "04524", "South Korea", 37.57, 126.98, 5),
    ("Paris", "Île-de-France", "75001", "France", 48.86, 2.35, 5),
    ("London", "England", "EC1A 1BB", "United Kingdom", 51.51, -0.13, 5),
    ("Berlin", "Berlin", "10115", "Germany", 52.52, 13.40, 4),
    ("Madrid", "Comunidad de Madrid", "28001", "Spain", 40.42, -3.70, 4),
    ("Tokyo", "Tokyo", "100-0001", "Japan", 35.68, 139.69, 2),
    ("Sydney", "New South Wales", "2000", "Australia", -33.87, 151.21, 2),
    ("Brussels", "Brussels", "1000", "Belgium", 50.85, 4.35, 1),
]
FIRST_NAMES = {
    "M": ["James", "Wei", "Lucas", "Min-jun", "Oliver", "Pierre", "Jonas", "Hiro"],
    "F": ["Mary", "Li", "Ana", "Seo-yeon", "Olivia", "Camille", "Lena", "Yui"],
}
LAST_NAMES = ["Smith", "Wang", "Silva", "Kim", "Martin", "Müller", "García", "Sato", "Brown"]


@dataclass(frozen=True)
class Product:
    id: int
    cost: float
    category: str
    name: str
    brand: str
    retail_price: float
    department: str
    sku: str
    distribution_center_id: int

    def row(self) -> list[object]:
        return [
            self.id,
            self.cost,
            self.category,
            self.name,
            self.brand,
            self.retail_price,
            self.department,
            self.sku,
            self.distribution_center_id,
        ]


def catalogue(seed: int, n_products: int) -> list[Product]:
    """Products 1..n, departments and categories in the reference's proportions."""
    rng = random.Random(f"{seed}:thelook:products")
    pairs = [(d, c) for d, cats in CATEGORIES.items() for c in cats]
    weights = [CATEGORIES[d][c] for d, c in pairs]
    products = []
    for product_id in range(1, n_products + 1):
        department, category = rng.choices(pairs, weights)[0]
        brand = rng.choice(BRANDS)
        retail = round(min(999.0, max(0.5, rng.lognormvariate(3.7, 0.75))), 2)
        cost = round(retail * rng.uniform(0.34, 0.66), 4)
        sku = hashlib.md5(f"{seed}:{product_id}".encode()).hexdigest().upper()
        name = f"{brand} {department}'s {category} {product_id}"
        products.append(
            Product(
                product_id, cost, category, name, brand, retail, department, sku, rng.randint(1, 10)
            )
        )
    return products


def shares(mix: dict[str, float] | list[float]) -> np.ndarray:
    """Weights as probabilities that add up to one (numpy's choice needs them so)."""
    values = np.array(list(mix.values()) if isinstance(mix, dict) else mix, dtype=float)
    return values / values.sum()
