"""A generated store, ingested and built, for the warehouse tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shopsight.build import BuildSummary, build
from shopsight.generate.export import generate_retail_db
from shopsight.generate.summary import GenerationSummary
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

FIRST_DAY = date(2024, 1, 1)


@dataclass
class BuiltStore:
    bucket: Bucket
    warehouse_url: str
    generation: GenerationSummary
    build: BuildSummary


def build_store(folder: Path, faults: str, days: int, orders: int) -> BuiltStore:
    bucket = Bucket(f"file://{folder}/bucket")
    generation = generate_retail_db(bucket, FIRST_DAY, days, orders, 5, faults)
    url = f"duckdb:///{folder}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse)
    warehouse.close()
    return BuiltStore(bucket, url, generation, build(url))
