"""Revenue reconciliation on a generated store, checked against sums made straight from the
landed files (Python csv, float subtotals for the sales system, Decimal qty × price for the
warehouse)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile

from built_store import BuiltStore

START, END, ZONE = date(2024, 1, 5), date(2024, 1, 15), "Asia/Singapore"
EXCLUDED = {"CANCELED", "SUSPECTED_FRAUD"}


def _latest(store: BuiltStore, table: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for info in store.bucket.list(f"landing/retail_db/{table}/"):
        for row in csv.reader(io.StringIO(store.bucket.read_bytes(info.key).decode())):
            rows[row[0]] = row
    return rows


def test_causes_add_up_to_the_gap_and_match_the_files(clean_store: BuiltStore) -> None:
    orders = _latest(clean_store, "orders")
    floats: dict[str, float] = defaultdict(float)
    exact: dict[str, Decimal] = defaultdict(Decimal)
    for item in sorted(_latest(clean_store, "order_items").values(), key=lambda r: int(r[0])):
        floats[item[1]] += float(item[4])
        exact[item[1]] += int(item[3]) * Decimal(item[5])
    sales = warehouse_total = boundary = Decimal(0)
    excluded: dict[str, Decimal] = defaultdict(Decimal)
    for order_id, (_, ordered, _, status) in orders.items():
        if order_id not in floats:
            continue
        utc = datetime.fromisoformat(ordered[:19]).replace(tzinfo=UTC)
        local_in = START <= utc.astimezone(ZoneInfo(ZONE)).date() <= END
        utc_in = START <= utc.date() <= END
        net = exact[order_id] if status not in EXCLUDED else Decimal(0)
        if local_in:
            sales += Decimal(repr(floats[order_id]))
            if status in EXCLUDED:
                excluded[f"excluded: {status}"] += exact[order_id]
            if not utc_in:
                boundary += net
        if utc_in:
            warehouse_total += net
            if not local_in:
                boundary -= net

    warehouse = connect(clean_store.warehouse_url)
    try:
        result = reconcile(warehouse, START, END, ZONE)
    finally:
        warehouse.close()

    causes = result.by_cause()
    assert sum(causes.values()) == result.gap  # exactly, to the last digit
    assert result.source_total == sales
    assert result.warehouse_total == warehouse_total
    assert causes["day boundary"] == boundary != 0
    for name, amount in excluded.items():
        assert causes[name] == amount
    assert "unexplained" not in causes and "not yet in the marts" not in causes
    assert abs(causes.get("rounding", Decimal(0))) < Decimal("0.01")


def test_an_unexplained_difference_fails_the_control(clean_store: BuiltStore, tmp_path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    original = clean_store.warehouse_url[len("duckdb:///") :]
    shutil.copy(original, copy)
    if Path(original + ".wal").exists():  # not checkpointed yet: the WAL holds the marts
        shutil.copy(original + ".wal", str(copy) + ".wal")
    connection = duckdb.connect(str(copy))
    (order_id,) = connection.execute(
        "select min(order_id) from marts.fct_orders where is_net_revenue "
        "and order_date between '2024-01-08' and '2024-01-10' and hour(ordered_at) between 2 and 14"
    ).fetchone()
    connection.execute(
        "update marts.fct_orders set gross_order_value = gross_order_value + 5, "
        "net_revenue = net_revenue + 5 where order_id = ?",
        [order_id],
    )
    connection.close()
    command = [
        sys.executable,
        "-m",
        "shopsight",
        "reconcile",
        "--from",
        str(START),
        "--to",
        str(END),
        "--business-timezone",
        ZONE,
        "--warehouse",
        f"duckdb:///{copy}",
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    # The 5.00 added, plus that order's float noise (its rounding cause folds into it).
    assert abs(Decimal(report["causes"]["unexplained"]["amount"]) + 5) < Decimal("0.01")
    assert report["order_ids"]["unexplained"] == [order_id]
