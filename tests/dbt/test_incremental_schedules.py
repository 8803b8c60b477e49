"""Incremental equals full, over random delivery schedules (hypothesis).

One store of a few days is delivered in a random order over a few steps: files late or
early, products and customers after the order lines that name them, orders re-delivered with
a new status (the generator does that), a corrupted order line re-admitted with its fix at a
later step, and sometimes a first build before anything landed. After every step, the
warehouse built incrementally must equal, row for row, a warehouse that received the same
files and was rebuilt with ``--full-refresh``.

Both builds of a schedule run in one warehouse file (dbt reparses when the path changes):
the incremental table is set aside before the full refresh and put back after it, so the
next step goes on incrementally from exactly where it was.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from delivery_schedules import Schedule, Tally, deliver_and_compare
from shopsight.generate.export import generate_retail_db
from shopsight.ingest.readmit import readmit
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

STEPS = 3
EXAMPLES = int(os.environ.get("SHOPSIGHT_PROPERTY_EXAMPLES", "4"))
SELECT = "+fct_orders +fct_daily_product_sales"
# The incremental models, each set aside while the full refresh rebuilds it.
COMPARED = {
    "marts.dim_customers": "select * exclude (source_loaded_at) from marts.dim_customers "
    "order by customer_id",
    "marts.fct_daily_product_sales": "select * exclude (source_loaded_at) "
    "from marts.fct_daily_product_sales order by sales_date, product_id",
    "marts.fct_order_items": "select * exclude (source_loaded_at) from marts.fct_order_items "
    "order by order_item_id",
    "marts.fct_orders": "select * from marts.fct_orders order by order_id",
}
CORRUPTED = "landing/retail_db/order_items/dt=2024-01-02/part-00000.csv"
tally = Tally()


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("schedules")


@pytest.fixture(scope="module")
def store() -> tuple[Bucket, list[str], bytes]:
    """The whole store, its files, and the true first line of the file delivered corrupted."""
    bucket = Bucket(f"memory://schedules-{uuid.uuid4().hex[:8]}")
    generate_retail_db(bucket, date(2024, 1, 1), 4, 240, 7, "none")
    keys = [info.key for info in bucket.list("landing/")]
    original = bucket.read_bytes(CORRUPTED)
    first, rest = original.split(b"\n", 1)
    fields = first.split(b",")
    fields[3] = b"three"  # quantity: not an integer, so the line is quarantined
    bucket.write_bytes(CORRUPTED, b",".join(fields) + b"\n" + rest)
    return bucket, keys, first


def _readmit_corrupted_at(step: int | None) -> object:
    """The hook that re-admits the corrupted line, with its fix, after the given step's ingest."""

    def after_ingest(at: int, url: str, bucket: Bucket) -> None:
        if at == step:
            _readmit_corrupted(url, bucket)

    return after_ingest


def _readmit_corrupted(url: str, bucket: Bucket) -> None:
    warehouse = connect(url)
    try:
        (quarantine_id,) = warehouse.query(
            "select quarantine_id from shopsight_ops.quarantine "
            "where path = ? and readmitted_in is null",
            [CORRUPTED],
        )[0]
        readmit(bucket, warehouse, [quarantine_id], store_fix[0])
    finally:
        warehouse.close()


store_fix: list[bytes] = []


@pytest.mark.timeout(1200)  # a ceiling for slow machines (about 150 s here), not a timing check
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example costs seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_incremental_equals_full_refresh_after_every_delivery(store, warehouse_path, data) -> None:
    source, keys, fix = store
    store_fix[:] = [fix]
    step_of = {
        key: data.draw(st.integers(0, STEPS - 1), label=key.split("/", 2)[2]) for key in keys
    }
    if data.draw(st.booleans(), label="dimensions after their facts"):
        last = max(step_of.values())
        for key in keys:
            if "/products/" in key or "/customers/" in key:
                step_of[key] = last
    readmit_at = data.draw(
        st.one_of(st.none(), st.integers(step_of[CORRUPTED], STEPS - 1)), label="readmit at"
    )
    empty_first_build = data.draw(st.booleans(), label="empty first build")
    _deliver_and_compare(source, warehouse_path, step_of, readmit_at, empty_first_build)


def test_late_product_versions_rekey_lines_already_built(store, warehouse_path) -> None:
    """The schedule that found the last divergence (the 18th of 25): the price history of
    2-4 Jan arrives after the lines of those days were built on the 1 Jan version."""
    source, keys, fix = store
    store_fix[:] = [fix]
    late = {
        key
        for key in keys
        if ("/products/" in key and "dt=2024-01-01" not in key)
        or ("/orders/" in key and "dt=2024-01-01" in key)
    }
    step_of = {key: 2 if key in late else 0 for key in keys}
    _deliver_and_compare(source, warehouse_path, step_of, 1, False)


def test_late_customers_and_corrections_rebuild_what_they_change(store, warehouse_path) -> None:
    """After the store was built (4 Jan's lines a step later, so that the builds' watermark
    has moved past the first load, whose rows a build reads again): an order line of 1 Jan
    re-delivered in an order of 4 Jan (step 2); then every customer, after the orders and
    lines that name them and were built on the Unknown customer, and an order of 1 Jan
    re-delivered as placed on 2 Jan (step 3). The days and orders a line left hold nothing
    loaded since: only the versions it had name them."""
    source, keys, fix = store
    store_fix[:] = [fix]
    corrected = Bucket(f"memory://corrected-{uuid.uuid4().hex[:8]}")
    for key in keys:
        corrected.write_bytes(key, source.read_bytes(key))

    def rows(key: str) -> list[list[str]]:
        return [line.split(",") for line in source.read_bytes(key).decode().splitlines()]

    # The files re-deliver older orders with a new status: pick by the order's own day.
    moved_order = rows("landing/retail_db/orders/dt=2024-01-01/part-00000.csv")[0]
    later_order = next(
        row
        for row in rows("landing/retail_db/orders/dt=2024-01-04/part-00000.csv")
        if row[1].startswith("2024-01-04")
    )
    status = {
        row[0]: row[3] for key in sorted(k for k in keys if "/orders/" in k) for row in rows(key)
    }
    moved_line = next(  # a line that counts towards the day's net revenue
        row
        for row in rows("landing/retail_db/order_items/dt=2024-01-01/part-00000.csv")
        if row[1] != moved_order[0] and status[row[1]] not in ("CANCELED", "SUSPECTED_FRAUD")
    )
    moved_line[1] = later_order[0]
    moved_order[1] = moved_order[1].replace("2024-01-01", "2024-01-02")
    line_key = "landing/retail_db/order_items/dt=2024-01-04/part-00001.csv"
    order_key = "landing/retail_db/orders/dt=2024-01-04/part-00001.csv"
    corrected.write_bytes(line_key, (",".join(moved_line) + "\n").encode())
    corrected.write_bytes(order_key, (",".join(moved_order) + "\n").encode())
    last_lines = "landing/retail_db/order_items/dt=2024-01-04/part-00000.csv"
    step_of = {key: 3 if "/customers/" in key else 0 for key in keys} | {
        last_lines: 1,
        line_key: 2,
        order_key: 3,
    }
    _deliver_and_compare(corrected, warehouse_path, step_of, None, False)


def _deliver_and_compare(
    source: Bucket,
    warehouse_path: Path,
    step_of: dict[str, int],
    readmit_at: int | None,
    empty_first_build: bool,
) -> None:
    schedule = Schedule(
        step_of=step_of,
        select=SELECT,
        compared=COMPARED,
        empty_first_build=empty_first_build,
        after_ingest=_readmit_corrupted_at(readmit_at),  # type: ignore[arg-type]
    )
    deliver_and_compare(source, warehouse_path, schedule, tally)


def test_zz_report_what_the_property_tried() -> None:
    """Prints the figures for the record (run with -s); fails if the property never ran."""
    print(f"\nincremental = full: {tally}")
    assert tally.schedules >= 1 and tally.comparisons == tally.steps * len(COMPARED)
