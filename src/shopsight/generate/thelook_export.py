"""Write the simulated thelook export into a bucket, day by day, with optional faults."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pyarrow as pa

from shopsight.generate.faults import FaultRecord, truncate_gzip, write_fault_manifest
from shopsight.generate.live_style import live_style
from shopsight.generate.summary import GenerationSummary, check_request
from shopsight.generate.thelook import HEADERS, SOURCE, TheLookSimulation
from shopsight.generate.thelook_faults import (
    ROW_FAULTS,
    apply_row_fault,
    duplicate_key_in_file,
    renamed_required_column,
)
from shopsight.generate.thelook_text import frame_csv, table_rows
from shopsight.storage import Bucket

STATE_KEY = f"manifests/{SOURCE}/simulation.json"


def generate_thelook(
    bucket: Bucket,
    start: date,
    days: int,
    users: int,
    seed: int,
    faults: str = "none",
    on_day: Callable[[date], None] | None = None,
    drift: bool = False,
) -> GenerationSummary:
    """Write ``days`` daily thelook exports from ``start``: one CSV per table per day.

    With ``faults="default"`` the retail_db fault classes that apply are injected (row
    faults spread over the days; on the last day a users file with a mismatched header and
    a truncated gzip events file) and logged under ``manifests/thelook/``. With ``drift``,
    files from the middle day on are written in the live dataset's style (see live_style).

    Raises:
        GenerationError: days or users are not positive, or faults is unknown.
    """
    check_request(days, users, "--users", faults)
    simulation = TheLookSimulation(seed, start, days, users)
    # What `generate next-day` needs to continue this store (the plan is replayed).
    state = {"origin": start.isoformat(), "days": days, "users": users, "seed": seed}
    bucket.write_bytes(STATE_KEY, json.dumps({**state, "drift": drift}).encode())
    summary = GenerationSummary(start, days, rows={table: 0 for table in HEADERS})
    rng = random.Random(f"{seed}:thelook:faults")
    names = list(ROW_FAULTS) if faults == "default" else []
    for offset, day in enumerate(_days(start, days)):
        last = faults == "default" and days >= 2 and offset == days - 1
        for table, frame in simulation.day_tables(day).items():
            key = f"landing/{SOURCE}/{table}/dt={day.isoformat()}/part-00000.csv"
            drifted = drift and offset >= days // 2
            content = day_file(table, frame, drifted)
            if faults == "none":  # written as made: a day of a million users is big
                bucket.write_bytes(key, content)
                summary.files += 1
                summary.rows[table] += frame.num_rows
                continue
            lines = content.decode("utf-8").split("\n")[:-1]
            # A fault falls due on its day and waits for a file big enough to stay under
            # the reject ratio (early days have few orders).
            due = [n for i, n in enumerate(names) if i % max(1, days - 1) <= offset]
            todo = [n for n in due if ROW_FAULTS[n].table == table]
            if len(lines) > 40 and not last:
                summary.faults += [apply_row_fault(rng, n, lines, key) for n in todo]
                names = [n for n in names if n not in todo]
                if faults == "default" and table == "events" and offset == 0:
                    summary.faults += duplicate_key_in_file(rng, lines, key)
            if last and table == "users":
                summary.faults.append(renamed_required_column(lines, key))
            content = "".join(line + "\n" for line in lines).encode("utf-8")
            if last and table == "events":
                key += ".gz"
                content = truncate_gzip(content)
                summary.faults.append(
                    FaultRecord(
                        "truncated_gzip", table, key, None, "file_quarantined", "truncated_gzip"
                    )
                )
            bucket.write_bytes(key, content)
            summary.files += 1
            summary.rows[table] += frame.num_rows
        if on_day:
            on_day(day)
    # What the day after the last one carries on (generate next-day: decision 0056).
    carried = {"next_day": (start + timedelta(days=days)).isoformat(), **simulation.carried_ids}
    bucket.write_bytes(STATE_KEY, json.dumps({**state, "drift": drift, **carried}).encode())
    summary.manifest = write_fault_manifest(bucket, SOURCE, start, days, summary.faults)
    return summary


def _days(start: date, days: int) -> Iterator[date]:
    for offset in range(days):
        yield start + timedelta(days=offset)


def day_file(table: str, frame: pa.Table, drifted: bool) -> bytes:
    """A table's file of the day: the contract's columns, or the live dataset's style."""
    if not drifted:
        return frame_csv(HEADERS[table], frame)
    header, rows = live_style(table, HEADERS[table], table_rows(HEADERS[table], frame))
    return rows_csv(header, rows)


def rows_csv(header: list[str], rows: list[list[object]]) -> bytes:
    """Rows of Python values as CSV (the live-style rewrite of small exports)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [["" if v is None else repr(v) if isinstance(v, float) else v for v in row] for row in rows]
    )
    return buffer.getvalue().encode("utf-8")
