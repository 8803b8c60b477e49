"""Write the simulated retail_db export into a bucket, day by day, with optional faults."""

from __future__ import annotations

import gzip
import json
import random
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

from shopsight.generate.catalog import categories
from shopsight.generate.faults import (
    ROW_FAULTS,
    FaultRecord,
    apply_row_faults,
    plan_row_faults,
    truncate_gzip,
    write_fault_manifest,
)
from shopsight.generate.retail_db import TABLES, RetailDbSimulation, StoreShape
from shopsight.generate.summary import GenerationError, GenerationSummary, check_request
from shopsight.storage import Bucket

SOURCE = "retail_db"
STATE_KEY = f"manifests/{SOURCE}/simulation.json"
# What the simulation carries on after the last day written (RetailDbSimulation.state).
CARRIED_KEY = f"manifests/{SOURCE}/simulation-state.npz"


def landing_key(table: str, day: date, name: str = "part-00000.csv") -> str:
    return f"landing/{SOURCE}/{table}/dt={day.isoformat()}/{name}"


def generate_retail_db(
    bucket: Bucket,
    start: date,
    days: int,
    orders: int,
    seed: int,
    faults: str = "none",
    on_day: Callable[[date], None] | None = None,
    drift: bool = False,
) -> GenerationSummary:
    """Simulate the store and write ``days`` daily exports starting at ``start``.

    With ``drift``, the middle day's products file also lists products at a price of 0.00,
    as the real export does (the seed DDL allows it): they load, each with a warning.

    A bucket that already holds an earlier simulation with the same seed is continued:
    ids, prices and statuses carry on. The simulation resumes from the state saved after
    the last day written when that day is before ``start``, so a day costs the same
    whatever the history (decision 0054); otherwise (an earlier day again, or faults that
    edit the day before ``start``) it is replayed from its first day.

    Raises:
        GenerationError: days or orders are not positive, or the seed differs from the
            simulation already in the bucket.
    """
    check_request(days, orders, "--orders", faults)
    shape = _store_shape(bucket, start, days, orders, seed)
    summary = GenerationSummary(start, days, rows={table: 0 for table in TABLES})
    plan = plan_row_faults(days) if faults == "default" else {}
    last = start + timedelta(days=days - 1)
    if faults == "default" and start > shape.origin:
        summary.faults.append(_redeliver_changed_file(bucket, start - timedelta(days=1)))
    previous: dict[str, list[bytes]] = {}
    simulation = _simulation(bucket, shape, start, resume=not plan)
    for export in simulation.days(last):
        offset = (export.day - start).days
        rng = random.Random(f"{seed}:faults:{export.day_index}")
        for table in TABLES:
            if export.day < start:
                if export.day == start - timedelta(days=1):
                    previous[table] = export.lines(table) if plan else []
                continue
            lines = export.lines(table)
            yesterday = previous.get(table, [])
            key = landing_key(table, export.day)
            names = [n for n in plan.get(offset, []) if _fault_table(n) == table]
            if names and len(lines) >= 20:
                summary.faults += apply_row_faults(rng, table, names, lines, key, yesterday)
            edited = bool(names)
            if drift and table == "products" and offset == days // 2:
                summary.faults += _zero_priced_products(lines, key)
                edited = True
            if plan:  # tomorrow's faults re-deliver some of today's good lines
                faulty = {
                    f.line for f in summary.faults if f.path == key and f.outcome == "rejected"
                }
                previous[table] = [line for n, line in enumerate(lines, 1) if n not in faulty]
            content = b"".join(line + b"\n" for line in lines) if edited else export.csv(table)
            file_fault = faults == "default" and days >= 2 and export.day == last
            summary.files += _write_day_file(
                bucket, table, export.day, content, file_fault, summary.faults
            )
            summary.rows[table] += len(lines)
        if on_day:
            on_day(export.day)
    bucket.write_bytes(CARRIED_KEY, simulation.state())
    summary.manifest = write_fault_manifest(bucket, SOURCE, start, days, summary.faults)
    return summary


def _simulation(bucket: Bucket, shape: StoreShape, start: date, resume: bool) -> RetailDbSimulation:
    """The store's simulation: resumed from its saved state when that ends before
    ``start``, else from its first day (a state that cannot be read is replayed over)."""
    if resume and bucket.exists(CARRIED_KEY):
        try:
            saved = RetailDbSimulation.resumed(shape, bucket.read_bytes(CARRIED_KEY))
        except (ValueError, KeyError, OSError, zipfile.BadZipFile):
            saved = None
        if saved is not None and saved.next_day <= start:
            return saved
    return RetailDbSimulation(shape)


def _zero_priced_products(lines: list[bytes], key: str) -> list[FaultRecord]:
    """Three never-ordered products at 0.00, as in the real export."""
    category = categories()[0][0]
    records = []
    for number in range(1, 4):
        lines.append(
            b"%d,%d,Display Sample %d,,0.0,https://images.example.com/products/sample-%d.jpg"
            % (900_000 + number, category, number, number)
        )
        records.append(
            FaultRecord(
                "zero_price",
                "products",
                key,
                len(lines),
                "warning",
                "out_of_range",
                "product_price",
            )
        )
    return records


def _fault_table(name: str) -> str:
    return ROW_FAULTS[name].table


def _store_shape(bucket: Bucket, start: date, days: int, orders: int, seed: int) -> StoreShape:
    if bucket.exists(STATE_KEY):
        state = json.loads(bucket.read_bytes(STATE_KEY))
        if state["seed"] != seed:
            raise GenerationError(
                f"{bucket.url}/{STATE_KEY}: the bucket holds a simulation with seed "
                f"{state['seed']}; continue it with --seed {state['seed']} or use a new bucket"
            )
        origin = date.fromisoformat(state["origin"])
        if start < origin:
            raise GenerationError(f"--start {start} is before the simulation's first day {origin}")
        return StoreShape(seed, origin, float(state["orders_per_day"]))
    shape = StoreShape(seed, start, orders / days)
    state = {"origin": start.isoformat(), "seed": seed, "orders_per_day": shape.orders_per_day}
    bucket.write_bytes(STATE_KEY, json.dumps(state).encode())
    return shape


def _write_day_file(
    bucket: Bucket,
    table: str,
    day: date,
    content: bytes,
    file_fault: bool,
    records: list[FaultRecord],
) -> int:
    if file_fault and table == "order_items":
        key = landing_key(table, day, "part-00000.csv.gz")
        bucket.write_bytes(key, truncate_gzip(content))
        # The store's re-export of the lost file, as its team would send it on request
        # (uncompressed): what `shopsight quarantine readmit ID:file --file` takes.
        bucket.write_bytes(reexport_key(key), content)
        records.append(
            FaultRecord("truncated_gzip", table, key, None, "file_quarantined", "truncated_gzip")
        )
        return 1
    if file_fault and table == "orders":
        key = landing_key(table, day, "part-00000.csv.gz")
        bucket.write_bytes(key, gzip.compress(content, mtime=0))
        records.append(FaultRecord("gzip_file", table, key, None, "loaded"))
        empty = landing_key(table, day, "part-00001.csv")
        bucket.write_bytes(empty, b"")
        records.append(FaultRecord("empty_file", table, empty, None, "warning", "empty_file"))
        return 2
    bucket.write_bytes(landing_key(table, day), content)
    return 1


def reexport_key(landed: str) -> str:
    """Where the demo keeps the store's re-export of a landed file it spoiled."""
    return "manifests/" + landed.removeprefix("landing/").removesuffix(".gz").replace(
        f"{SOURCE}/", f"{SOURCE}/re-exports/", 1
    )


def _redeliver_changed_file(bucket: Bucket, day: date) -> FaultRecord:
    """The source re-exports yesterday's orders file under the same path with a change."""
    key = landing_key("orders", day)
    if not bucket.exists(key):
        key = landing_key("orders", day, "part-00000.csv.gz")
        content = gzip.decompress(bucket.read_bytes(key))
        changed = content.replace(b"PENDING_PAYMENT", b"PROCESSING", 1)
        bucket.write_bytes(key, gzip.compress(changed, mtime=0))
    else:
        content = bucket.read_bytes(key)
        bucket.write_bytes(key, content.replace(b"PENDING_PAYMENT", b"PROCESSING", 1))
    return FaultRecord(
        "redelivered_with_new_content",
        "orders",
        key,
        None,
        "file_quarantined",
        "redelivered_with_new_content",
    )
