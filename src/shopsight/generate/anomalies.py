"""Anomalies injected into a generated store: days whose files are valid but whose content
is wrong (issue 33). Each kind lands on a known day and is logged in
``manifests/anomalies/anomalies-<start>-<days>d.jsonl`` with the monitor expected to find
it and the part it must name, as the faults are logged with the reason they must get.

Kinds (each rewrites the landed files of its day, nothing else):

- ``category_loss``: the export silently lost one category: the day's order lines of its
  biggest category are gone (and the orders left without a line).
- ``half_volume``: every second new order of the day is gone, with its lines.
- ``price_x100``: the day's new order lines are priced in cents (a currency mix-up).
- ``customer_wave``: one customer places half as many orders again as the whole day.
- ``source_vanish``: the web shop's biggest traffic source disappears from the day's
  events (a tracking tag changed: its visits arrive as Organic).
- ``empty_web_day``: the web shop's events and orders files carry a header only, and the
  transactions feed an empty file.
- ``country_vanish``: the web shop's orders from its biggest country (the most orders in
  the four weeks before) are gone for the day, with their lines (a payment provider of
  that country failed).
- ``user_id_lost``: the web shop's events arrive without the signed-in visitor's id (a
  tracking-tag change): every event of the day has an empty ``user_id``, which the
  contract allows (anonymous visits), so every row loads.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from shopsight.generate.faults import read_fault_manifests
from shopsight.generate.summary import GenerationError
from shopsight.storage import Bucket

KINDS = (
    "category_loss",
    "half_volume",
    "price_x100",
    "customer_wave",
    "source_vanish",
    "empty_web_day",
    "user_id_lost",
    "country_vanish",
)
FIRST_OFFSET = 35  # days of history before the first anomaly (the bands need 14-28)
WAVE_ID = 90_000_000  # ids of the wave's orders and lines, far above the store's own


@dataclass(frozen=True)
class InjectedAnomaly:
    kind: str
    day: str
    monitors: tuple[str, ...]  # any of these must find it on its day
    part: str | None  # the part the drill-down must name (None: the whole day moved)
    files: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def inject_anomalies(
    bucket: Bucket, start: date, days: int, seed: int, kinds: tuple[str, ...] = KINDS
) -> list[InjectedAnomaly]:
    """Rewrite one day per kind (days with a fault left alone, at least 3 days apart)."""
    free = _free_days(bucket, start, days)
    if len(free) < 3 * len(kinds):
        raise GenerationError(
            f"--anomalies needs at least {FIRST_OFFSET + 3 * len(kinds) + 1} days of a store"
        )
    rng = random.Random(seed)
    chosen = sorted(rng.sample(free[::3], len(kinds)))
    rng.shuffle(chosen)
    injected = [INJECT[kind](bucket, day, rng) for kind, day in zip(kinds, chosen, strict=True)]
    key = f"manifests/anomalies/anomalies-{start.isoformat()}-{days}d.jsonl"
    bucket.write_bytes(key, "".join(json.dumps(a.to_json()) + "\n" for a in injected).encode())
    return injected


def read_anomaly_manifests(bucket: Bucket) -> list[InjectedAnomaly]:
    found = []
    for info in bucket.list("manifests/anomalies/"):
        for line in bucket.read_bytes(info.key).decode().splitlines():
            value = json.loads(line)
            value["monitors"], value["files"] = tuple(value["monitors"]), tuple(value["files"])
            found.append(InjectedAnomaly(**value))
    return found


def _free_days(bucket: Bucket, start: date, days: int) -> list[date]:
    """Days with every daily file plain (no fault in any source), after enough history."""
    faulty = {
        fault.path.split("dt=")[1][:10]
        for source in ("retail_db", "thelook", "transactions")
        for fault in read_fault_manifests(bucket, source)
    }
    candidates = [start + timedelta(days=n) for n in range(FIRST_OFFSET, days - 1)]
    return [d for d in candidates if d.isoformat() not in faulty]


# --- the store's export (CSV without a header) ------------------------------------------


def _rows(bucket: Bucket, key: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(bucket.read_bytes(key).decode())))


def _write(
    bucket: Bucket, key: str, rows: list[list[str]], header: list[str] | None = None
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    bucket.write_bytes(key, out.getvalue().encode())


def _day_files(day: date) -> tuple[str, str]:
    dt = day.isoformat()
    return (
        f"landing/retail_db/orders/dt={dt}/part-00000.csv",
        f"landing/retail_db/order_items/dt={dt}/part-00000.csv",
    )


def _new_orders(orders: list[list[str]], day: date) -> set[str]:
    return {row[0] for row in orders if row[1].startswith(day.isoformat())}


def _drop(bucket: Bucket, day: date, lost_line: Any) -> tuple[str, str]:
    """Drop the day's new-order lines ``lost_line(row)`` picks, and orders left bare."""
    orders_key, items_key = _day_files(day)
    orders, items = _rows(bucket, orders_key), _rows(bucket, items_key)
    new = _new_orders(orders, day)
    kept = [row for row in items if not (row[1] in new and lost_line(row))]
    with_lines = {row[1] for row in kept}
    _write(bucket, items_key, kept)
    _write(bucket, orders_key, [r for r in orders if r[0] not in new or r[0] in with_lines])
    return orders_key, items_key


def _category_loss(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    category_of = _latest_column(bucket, "products", 1, day)  # product → category
    names = _latest_column(bucket, "categories", 2, day)  # category → its name
    orders_key, items_key = _day_files(day)
    new = _new_orders(_rows(bucket, orders_key), day)
    revenue: dict[str, float] = {}
    for row in _rows(bucket, items_key):
        if row[1] in new:
            category = category_of.get(row[2], "")
            revenue[category] = revenue.get(category, 0.0) + float(row[4])
    lost = max(revenue, key=lambda category: revenue[category])
    files = _drop(bucket, day, lambda row: category_of.get(row[2]) == lost)
    return InjectedAnomaly(
        "category_loss", day.isoformat(), ("net_revenue", "net_revenue.mix"), names[lost], files
    )


def _half_volume(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    orders_key, _ = _day_files(day)
    new = sorted(_new_orders(_rows(bucket, orders_key), day), key=int)
    gone = set(new[::2])
    files = _drop(bucket, day, lambda row: row[1] in gone)
    monitors = (
        "orders",
        "net_revenue",
        "units",
        "landed.retail_db.orders",
        "landed.retail_db.order_items",
    )
    return InjectedAnomaly("half_volume", day.isoformat(), monitors, None, files)


def _price_x100(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    orders_key, items_key = _day_files(day)
    new = _new_orders(_rows(bucket, orders_key), day)
    items = _rows(bucket, items_key)
    for row in items:
        if row[1] in new:
            row[4], row[5] = f"{float(row[4]) * 100:.2f}", f"{float(row[5]) * 100:.2f}"
    _write(bucket, items_key, items)
    return InjectedAnomaly(
        "price_x100", day.isoformat(), ("net_revenue", "average_order_value"), None, (items_key,)
    )


def _customer_wave(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    orders_key, items_key = _day_files(day)
    orders, items = _rows(bucket, orders_key), _rows(bucket, items_key)
    new = [row for row in orders if row[1].startswith(day.isoformat())]
    customer = rng.choice(new)[2]
    lines_of: dict[str, list[list[str]]] = {}
    for row in items:
        lines_of.setdefault(row[1], []).append(row)
    line_id = WAVE_ID
    for n in range(len(new) // 2):
        template = rng.choice([o for o in new if o[0] in lines_of])
        order_id = str(WAVE_ID + n)
        orders.append([order_id, template[1], customer, template[3]])
        for line in lines_of[template[0]]:
            items.append([str(line_id), order_id, *line[2:]])
            line_id += 1
    _write(bucket, orders_key, orders)
    _write(bucket, items_key, items)
    return InjectedAnomaly(
        "customer_wave",
        day.isoformat(),
        ("orders_by_customer.mix",),
        customer,
        (orders_key, items_key),
    )


def _latest_column(bucket: Bucket, table: str, column: int, day: date) -> dict[str, str]:
    """A retail_db table's id → one column, as its latest file up to ``day`` says."""
    values: dict[str, str] = {}
    for info in sorted(bucket.list(f"landing/retail_db/{table}/"), key=lambda i: i.key):
        if info.key.split("dt=")[1][:10] <= day.isoformat() and info.key.endswith(".csv"):
            for row in _rows(bucket, info.key):
                if len(row) > column:
                    values[row[0]] = row[column]
    return values


# --- the web shop (CSV with a header) and its transactions feed ---------------------------


def _source_vanish(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    key = f"landing/thelook/events/dt={day.isoformat()}/part-00000.csv"
    header, *rows = _rows(bucket, key)
    column = header.index("traffic_source")
    sessions = Counter(
        row[column] for row in {r[header.index("session_id")]: r for r in rows}.values()
    )
    gone = next(s for s, _ in sessions.most_common() if s != "Organic")
    for row in rows:
        if row[column] == gone:
            row[column] = "Organic"
    _write(bucket, key, rows, header)
    return InjectedAnomaly("source_vanish", day.isoformat(), ("sessions.mix",), gone, (key,))


def _empty_web_day(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    dt = day.isoformat()
    files = []
    for table in ("events", "orders"):
        key = f"landing/thelook/{table}/dt={dt}/part-00000.csv"
        header = _rows(bucket, key)[0]
        _write(bucket, key, [], header)
        files.append(key)
    key = f"landing/transactions/transactions/dt={dt}/part-00000.jsonl"
    bucket.write_bytes(key, b"")
    files.append(key)
    monitors = (
        "landed.thelook.events",
        "landed.thelook.orders",
        "landed.transactions.transactions",
    )
    return InjectedAnomaly("empty_web_day", dt, monitors, None, tuple(files))


def _user_id_lost(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    key = f"landing/thelook/events/dt={day.isoformat()}/part-00000.csv"
    header, *rows = _rows(bucket, key)
    column = header.index("user_id")
    for row in rows:
        row[column] = ""
    _write(bucket, key, rows, header)
    monitors = ("landed.thelook.events.columns",)
    return InjectedAnomaly("user_id_lost", day.isoformat(), monitors, "user_id", (key,))


def _country_vanish(bucket: Bucket, day: date, rng: random.Random) -> InjectedAnomaly:
    dt = day.isoformat()
    country_of: dict[str, str] = {}
    for key in _csv_keys(bucket, "users", ""):
        header, *rows = _rows(bucket, key)
        for row in rows:
            if len(row) == len(header):  # a faulty line is the faults' business
                country_of[row[header.index("id")]] = row[header.index("country")]
    # The country gone is the one with the most orders over the four weeks before the
    # day. An order may first arrive in a later day's file (the export sends an order when
    # its status changes): the day's orders are gone from every file that carries them.
    since = (day - timedelta(days=28)).isoformat()
    created: dict[str, tuple[str, str]] = {}  # order → the day it was placed, its country
    for key in _csv_keys(bucket, "orders", since):
        header, *orders = _rows(bucket, key)
        for order in orders:
            if len(order) == len(header):
                placed = order[header.index("created_at")][:10]
                country = country_of.get(order[header.index("user_id")], "")
                created[order[0]] = (placed, country)
    usual = Counter(country for placed, country in created.values() if since <= placed < dt)
    country = usual.most_common(1)[0][0]
    lost = {order_id for order_id, placed in created.items() if placed == (dt, country)}
    files = []
    for table, id_column in (("orders", "order_id"), ("order_items", "order_id")):
        for key in _csv_keys(bucket, table, dt):
            header, *rows = _rows(bucket, key)
            kept = [
                r for r in rows if len(r) != len(header) or r[header.index(id_column)] not in lost
            ]
            if len(kept) != len(rows):
                _write(bucket, key, kept, header)
                files.append(key)
    monitors = ("web_orders_by_country.mix",)
    return InjectedAnomaly("country_vanish", dt, monitors, country, tuple(files))


def _csv_keys(bucket: Bucket, table: str, since: str) -> list[str]:
    """The web shop's landed CSV files of one table from day ``since`` on, but those with an
    injected fault (its line numbers are in the faults' manifest)."""
    faulty = {fault.path for fault in read_fault_manifests(bucket, "thelook")}
    keys = (i.key for i in bucket.list(f"landing/thelook/{table}/") if i.key.endswith(".csv"))
    return sorted(
        k for k in keys if k.split("dt=")[1][:10] >= since and not any(f in k for f in faulty)
    )


INJECT = {
    "category_loss": _category_loss,
    "half_volume": _half_volume,
    "price_x100": _price_x100,
    "customer_wave": _customer_wave,
    "source_vanish": _source_vanish,
    "empty_web_day": _empty_web_day,
    "user_id_lost": _user_id_lost,
    "country_vanish": _country_vanish,
}
