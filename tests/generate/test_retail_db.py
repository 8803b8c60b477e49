"""The generator writes the export's format, deterministically, with realistic content."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from decimal import Decimal

from shopsight.generate.faults import read_fault_manifests
from shopsight.storage import Bucket

from support import assert_every_fault_handled, fresh_bucket, generate_small_store


def _rows(bucket: Bucket, table: str) -> list[list[str]]:
    rows = []
    for info in bucket.list(f"landing/retail_db/{table}/"):
        rows += list(csv.reader(io.StringIO(bucket.read_bytes(info.key).decode())))
    return rows


def test_same_seed_gives_identical_files() -> None:
    first, second = fresh_bucket(), fresh_bucket()
    generate_small_store(first, days=4, orders=400)
    generate_small_store(second, days=4, orders=400)
    keys = [info.key for info in first.list()]
    assert keys == [info.key for info in second.list()]
    assert all(first.read_bytes(k) == second.read_bytes(k) for k in keys)


def test_one_headerless_file_per_table_per_day(bucket) -> None:
    generate_small_store(bucket, faults="none", days=5, orders=500)
    landing = [i.key for i in bucket.list("landing/")]
    assert len(landing) == 6 * 5
    assert all(k.endswith("/part-00000.csv") for k in landing)
    orders = bucket.read_bytes(
        landing[-2] if "orders" in landing[-2] else [k for k in landing if "/orders/" in k][0]
    ).decode()
    assert not orders.startswith("order_id")
    assert re.fullmatch(
        r"\d+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0,\d+,[A-Z_]+", orders.splitlines()[0]
    )


def test_content_is_realistic(bucket) -> None:
    generate_small_store(bucket, faults="none", days=10, orders=2000)
    products = _rows(bucket, "products")
    assert all(len(p[2]) <= 45 for p in products)
    assert any("," in p[2] for p in products)
    customers = _rows(bucket, "customers")
    assert any(c[8].startswith("0") for c in customers)
    items = _rows(bucket, "order_items")
    for item in items:
        assert Decimal(item[4]) == Decimal(item[3]) * Decimal(item[5])
    per_order = Counter(item[1] for item in items)
    assert set(per_order.values()) <= {1, 2, 3, 4, 5}
    statuses = Counter(o[3] for o in _rows(bucket, "orders"))
    assert {"COMPLETE", "PENDING_PAYMENT", "CLOSED", "SUSPECTED_FRAUD"} <= set(statuses)


def test_default_faults_are_all_logged(bucket) -> None:
    summary = generate_small_store(bucket)
    logged = read_fault_manifests(bucket)
    assert [f.fault for f in logged] == [f.fault for f in summary.faults]
    expected = {
        "embedded_comma",
        "unterminated_quote",
        "too_many_fields",
        "too_few_fields",
        "non_numeric_amount",
        "impossible_date",
        "empty_not_null_number",
        "empty_not_null_date",
        "empty_not_null_text",
        "duplicate_key_in_file",
        "duplicate_key_across_files",
        "orphan_product",
        "orphan_customer",
        "orphan_category",
        "zero_quantity",
        "negative_price",
        "subtotal_mismatch",
        "invalid_utf8",
        "header_line",
        "empty_file",
        "truncated_gzip",
        "gzip_file",
    }
    assert {f.fault for f in logged} == expected


def test_drift_lists_zero_priced_products_that_load_with_a_warning(duckdb_warehouse) -> None:
    """Like the real export's seven products at 0.00: the seed DDL allows them."""
    from shopsight.generate.export import generate_retail_db
    from shopsight.ingest.loader import ingest

    bucket = fresh_bucket()
    summary = generate_retail_db(bucket, date(2024, 3, 1), 4, 300, 5, "none", drift=True)
    zero = [f for f in summary.faults if f.fault == "zero_price"]
    assert len(zero) == 3 and {f.path for f in zero} == {
        "landing/retail_db/products/dt=2024-03-03/part-00000.csv"
    }
    report = ingest(bucket, duckdb_warehouse)
    assert report.trusted
    assert_every_fault_handled(duckdb_warehouse, summary)
    prices = duckdb_warehouse.query(
        "select product_price from retail_db.products where product_id > 900000"
    )
    assert prices == [(0.0,)] * 3
