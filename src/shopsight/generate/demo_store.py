"""The demo store (`shopsight generate demo`): 90 days from 2024-01-01 of every source,
each with one of each fault class that applies, and the live dataset's drift."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shopsight.generate.export import generate_retail_db
from shopsight.generate.summary import GenerationSummary
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.storage import Bucket

DEMO_START, DEMO_DAYS, DEMO_SEED = date(2024, 1, 1), 90, 42
DEMO_SOURCES: dict[str, Callable[[Bucket], GenerationSummary]] = {
    "retail_db": lambda b: generate_retail_db(
        b, DEMO_START, DEMO_DAYS, 20_000, DEMO_SEED, "default", drift=True
    ),
    "thelook": lambda b: generate_thelook(
        b, DEMO_START, DEMO_DAYS, 5_000, DEMO_SEED, "default", drift=True
    ),
    "transactions": lambda b: generate_transactions(
        b, DEMO_START, DEMO_DAYS, 5_000, DEMO_SEED, "default"
    ),
}
