"""`shopsight generate next-day`: the day after the latest landed day, for every source,
continuing the same store.

The store's export continues from its own state (``manifests/retail_db/simulation.json``,
and what its last day carried on, ``simulation-state.npz``: ids, prices, customers' moves
and pending statuses), so a day costs a day whatever the history (decision 0054). The
web shop and its transactions feed continue from ``manifests/thelook/simulation.json``:
the planned period's users and orders are planned again, extended one day at a time past
it (:meth:`TheLookSimulation.extend`), and the event and inventory ids go on from those
the last run saved for this day (decision 0056), or, without them, from skipping every
day before it. The new day has no
injected faults, and is the same for the same seed: run it twice and the files are the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from shopsight.generate.export import STATE_KEY as RETAIL_STATE_KEY
from shopsight.generate.export import generate_retail_db
from shopsight.generate.summary import GenerationError, GenerationSummary
from shopsight.generate.thelook import HEADERS, SOURCE, TheLookSimulation
from shopsight.generate.thelook_export import STATE_KEY as THELOOK_STATE_KEY
from shopsight.generate.thelook_export import day_file
from shopsight.generate.transactions import Transactions
from shopsight.storage import Bucket

_DAY = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/")


@dataclass
class NextDay:
    """The day written, and what each source wrote on it."""

    day: date
    sources: dict[str, GenerationSummary] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "sources": {name: s.to_json() for name, s in self.sources.items()},
        }


def latest_landed_day(bucket: Bucket) -> date | None:
    """The latest ``dt=`` day of any landed file, of any source."""
    days = set()
    for info in bucket.list("landing/"):
        found = _DAY.search(info.key)
        if found:
            try:
                days.add(date.fromisoformat(found.group(1)))
            except ValueError:  # a folder that looks like a day but is not one
                continue
    return max(days, default=None)


def generate_next_day(bucket: Bucket) -> NextDay:
    """Land every source's files of the day after the latest landed day.

    Raises:
        GenerationError: nothing has landed yet, or no generator state is in the bucket.
    """
    latest = latest_landed_day(bucket)
    if latest is None:
        raise GenerationError(
            f"{bucket.url} holds no landed files: generate a store first "
            "(`shopsight generate demo`)"
        )
    day = latest + timedelta(days=1)
    result = NextDay(day)
    if bucket.exists(RETAIL_STATE_KEY):
        seed = int(json.loads(bucket.read_bytes(RETAIL_STATE_KEY))["seed"])
        result.sources["retail_db"] = generate_retail_db(bucket, day, 1, 1, seed, "none")
    if bucket.exists(THELOOK_STATE_KEY):
        result.sources.update(_continue_web_shop(bucket, day))
    if not result.sources:
        raise GenerationError(
            f"{bucket.url} holds no generator state (manifests/*/simulation.json): the store "
            "was not written by `shopsight generate`, or by an older version"
        )
    return result


def _continue_web_shop(bucket: Bucket, day: date) -> dict[str, GenerationSummary]:
    """The web shop's files and the transactions feed of ``day``."""
    state = json.loads(bucket.read_bytes(THELOOK_STATE_KEY))
    origin = date.fromisoformat(state["origin"])
    simulation = TheLookSimulation(state["seed"], origin, state["days"], state["users"])
    planned_end = origin + timedelta(days=state["days"])
    # The ids the last run left for this day, if it wrote the day before; else each day
    # before is skipped (its ids counted, its rows not made).
    carried = state.get("next_day") == day.isoformat()
    current = origin
    while current < day:
        if current >= planned_end:
            simulation.extend(current)
        if not carried:
            simulation.skip_day(current)
        current += timedelta(days=1)
    if carried:
        simulation.carry_on(state)
    if day >= planned_end:
        simulation.extend(day)
    web = GenerationSummary(day, 1, rows={table: 0 for table in HEADERS})
    for table, frame in simulation.day_tables(day).items():
        key = f"landing/{SOURCE}/{table}/dt={day.isoformat()}/part-00000.csv"
        bucket.write_bytes(key, day_file(table, frame, bool(state.get("drift"))))
        web.files += 1
        web.rows[table] = frame.num_rows
    after = {"next_day": (day + timedelta(days=1)).isoformat(), **simulation.carried_ids}
    bucket.write_bytes(THELOOK_STATE_KEY, json.dumps({**state, **after}).encode())
    return {"thelook": web, "transactions": _transactions(bucket, simulation, day)}


def _transactions(bucket: Bucket, simulation: TheLookSimulation, day: date) -> GenerationSummary:
    feed = Transactions.of(simulation, day)
    lines = feed.lines(np.arange(len(feed.order_id)))
    key = f"landing/transactions/transactions/dt={day.isoformat()}/part-00000.jsonl"
    bucket.write_bytes(key, "".join(line + "\n" for line in lines).encode("utf-8"))
    return GenerationSummary(day, 1, rows={"transactions": len(lines)}, files=1)
