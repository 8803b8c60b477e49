"""Revenue reconciliation on a generated store, checked against sums made straight from the
landed files (Python csv, float subtotals for the sales system, Decimal qty × price for the
warehouse)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from shopsight.generate.export import STATE_KEY, generate_retail_db
from shopsight.generate.faults import read_fault_manifests
from shopsight.generate.retail_db import RetailDbSimulation, StoreShape
from shopsight.generate.sales_report import generate_sales_report
from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile
from shopsight.reconcile.email import draft_email
from shopsight.storage import Bucket

from built_store import FIRST_DAY, BuiltStore, build_store, copy_warehouse
from support import RULE_WARNINGS

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
    copy = copy_warehouse(clean_store, tmp_path)
    connection = duckdb.connect(str(copy))
    (order_id,) = connection.execute(
        "select min(order_id) from marts.fct_orders where is_net_revenue "
        "and order_date between '2024-01-08' and '2024-01-10' and hour(ordered_at) between 2 and 14"
    ).fetchone()
    connection.execute(
        "update marts.fct_orders set gross_order_value = gross_order_value + 5, "
        "net_revenue = net_revenue + 5, loaded_line_value = loaded_line_value + 5 "
        "where order_id = ?",
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


# --- Against the sales system's export, on a store with every fault class -------------------

LATE_FROM, LATE_TO = date(2024, 1, 3), date(2024, 1, 23)
LOADED_DAYS = 21  # Jan 1-21 loaded; the Jan 22 files arrive after the run; Jan 23 never came


@dataclass
class TrueOrder:
    ordered_at: datetime  # UTC
    items: dict[str, Decimal]  # item id → subtotal, as the store recorded it


def _true_store(bucket: Bucket, until: date) -> dict[str, TrueOrder]:
    """The store's own orders, replayed from the simulation (not from the files or the report)."""
    state = json.loads(bucket.read_bytes(STATE_KEY))
    shape = StoreShape(state["seed"], date.fromisoformat(state["origin"]), state["orders_per_day"])
    orders: dict[str, TrueOrder] = {}
    for export in RetailDbSimulation(shape).days(until):
        for order_id, stamp, _, _ in export.rows["orders"]:
            moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.0")
            orders.setdefault(order_id, TrueOrder(moment, {}))
        for item_id, order_id, _, _, subtotal, _ in export.rows["order_items"]:
            orders[order_id].items[item_id] = Decimal(subtotal)
    return orders


@pytest.fixture(scope="module")
def late_store(tmp_path_factory) -> BuiltStore:
    store = build_store(tmp_path_factory.mktemp("late"), "default", days=LOADED_DAYS, orders=3000)
    generate_retail_db(store.bucket, FIRST_DAY + timedelta(days=LOADED_DAYS), 1, 3000, 5, "none")
    return store


def _expected_quarantine(store: BuiltStore, truth: dict[str, TrueOrder]) -> dict[str, Decimal]:
    """Per reason: the true value the warehouse lacks because the faulty rows were kept aside."""
    whole: dict[str, str] = {}
    lines: dict[str, tuple[str, Decimal]] = {}
    for fault in read_fault_manifests(store.bucket):
        if fault.outcome != "rejected" or fault.table not in ("orders", "order_items"):
            continue
        raw = store.bucket.read_bytes(fault.path).split(b"\n")[fault.line - 1].decode("latin-1")
        fields = next(csv.reader([raw]))
        file_day = date.fromisoformat(fault.path.split("dt=")[1][:10])
        new_order = fault.table == "orders" and truth[fields[0]].ordered_at.date() == file_day
        if new_order and not _delivered_again(store.bucket, fields[0], file_day):
            whole.setdefault(fields[0], str(fault.reason))  # the order never reached the marts
        elif fault.table == "order_items" and fields[1].isdigit():
            lines[fields[0]] = (fields[1], truth[fields[1]].items[fields[0]])
            whole.setdefault(fields[1] + ":items", str(fault.reason))
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for order_id, order in truth.items():
        if not LATE_FROM <= _local(order.ordered_at) <= LATE_TO:
            continue
        if order_id in whole:
            expected[f"quarantined: {whole[order_id]}"] += sum(order.items.values())
        elif order_id + ":items" in whole:
            missing = sum(a for i, (o, a) in lines.items() if o == order_id)
            expected[f"quarantined: {whole[order_id + ':items']}"] += missing
    return dict(expected)


def _expected_warned(store: BuiltStore, truth: dict[str, TrueOrder]) -> dict[str, Decimal]:
    """Per rule: the true value of the lines that loaded with a broken business rule, less
    what the marts count for them (quantity × price as delivered), from the manifest and
    the delivered lines."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for fault in read_fault_manifests(store.bucket):
        if fault.outcome != "warning" or fault.reason not in RULE_WARNINGS:
            continue
        raw = store.bucket.read_bytes(fault.path).split(b"\n")[fault.line - 1].decode()
        item_id, order_id, _, quantity, _, price = next(csv.reader([raw]))
        if LATE_FROM <= _local(truth[order_id].ordered_at) <= LATE_TO:
            counted = Decimal(quantity) * Decimal(price)
            expected[f"loaded with a warning: {fault.reason}"] += (
                truth[order_id].items[item_id] - counted
            )
    return {cause: amount for cause, amount in expected.items() if amount}  # cents apart


def _delivered_again(bucket: Bucket, order_id: str, after: date) -> bool:
    """Whether a later loaded orders file carries the order again (its status changed)."""
    for info in bucket.list("landing/retail_db/orders/"):
        day = date.fromisoformat(info.key.split("dt=")[1][:10])
        if not after < day < FIRST_DAY + timedelta(days=LOADED_DAYS):
            continue
        data = bucket.read_bytes(info.key)
        text = gzip.decompress(data) if info.key.endswith(".gz") else data
        if any(line.startswith(f"{order_id},".encode()) for line in text.splitlines()):
            return True
    return False


def _local(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE)).date()


def test_every_injected_cause_is_found_with_its_exact_amount(late_store, tmp_path) -> None:
    export = tmp_path / "sales.csv"
    generate_sales_report(late_store.bucket, LATE_FROM, LATE_TO, ZONE, export, duplicates=4)
    manifest = json.loads(export.with_name("sales.csv.manifest.json").read_text())
    truth = _true_store(late_store.bucket, LATE_TO + timedelta(days=1))
    in_range = {i: o for i, o in truth.items() if LATE_FROM <= _local(o.ordered_at) <= LATE_TO}
    rows = list(csv.DictReader(export.open()))
    first = {row["order_id"]: Decimal(row["order_total"]) for row in reversed(rows)}

    def total(day: int) -> Decimal:  # the true value of the orders placed on Jan <day> (UTC)
        return sum(
            (sum(o.items.values()) for o in in_range.values() if o.ordered_at.day == day),
            Decimal(0),
        )

    quarantined = _expected_quarantine(late_store, truth)
    warehouse = connect(late_store.warehouse_url)
    try:
        result = reconcile(warehouse, LATE_FROM, LATE_TO, ZONE, str(export), late_store.bucket)
    finally:
        warehouse.close()
    causes = result.by_cause()

    assert sum(causes.values()) == result.gap
    assert "unexplained" not in causes
    assert result.source_total == sum(Decimal(row["order_total"]) for row in rows)
    assert set(first) == set(in_range)
    assert causes["duplicates removed"] == Decimal(manifest["truth"]["duplicates"]["amount"])
    assert (
        sorted(result.orders["duplicates removed"]) == manifest["truth"]["duplicates"]["order_ids"]
    )
    assert causes["rounding"] == sum(first[i] - sum(o.items.values()) for i, o in in_range.items())
    assert (
        causes["not arrived yet"]
        == total(23)
        == Decimal(manifest["truth"]["not_arrived"]["amount"])
    )
    assert causes["file arrived, not loaded yet"] == total(22) > 0
    quarantined_day = total(21) - sum(
        sum(in_range[i].items.values())
        for i in in_range
        if in_range[i].ordered_at.day == 21 and any(int(i) in result.orders[c] for c in quarantined)
    )
    assert causes["quarantined file: truncated_gzip"] == quarantined_day > 0
    assert {c: a for c, a in causes.items() if c.startswith("quarantined: ")} == quarantined
    assert len(quarantined) >= 2
    warned = _expected_warned(late_store, truth)
    assert {c: a for c, a in causes.items() if c.startswith("loaded with a warning: ")} == warned
    assert warned


def test_the_email_uses_the_figures_and_no_jargon(late_store, tmp_path) -> None:
    export = tmp_path / "sales.csv"
    generate_sales_report(late_store.bucket, LATE_FROM, LATE_TO, ZONE, export)
    warehouse = connect(late_store.warehouse_url)
    try:
        result = reconcile(warehouse, LATE_FROM, LATE_TO, ZONE, str(export), late_store.bucket)
    finally:
        warehouse.close()
    email = draft_email(result, date(2026, 11, 20))  # a Friday

    visible_html = re.sub(r"<[^>]+>", " ", email.html)
    for text in (email.text, visible_html):
        for word in JARGON:
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), word
        for amount in (result.source_total, result.warehouse_total, result.gap):
            assert f"{amount:,.2f}" in text
        assert f"{result.by_cause()['excluded: CANCELED']:,.2f}" in text
        assert f"{len(result.orders['excluded: CANCELED']):,} orders" in text
        # next steps dated in working days from that Friday: Monday 23 November onwards
        assert "Monday 23 November" in text and "Wednesday 25 November" in text
    assert "Nothing is left unexplained" in email.text


JARGON = [
    "UTC",
    "timestamp",
    "schema",
    "dbt",
    "SQL",
    "ETL",
    "pipeline",
    "null",
    "join",
    "table",
    "warehouse",
    "quarantine",
    "marts?",
    "ledger",
    "float",
    "decimal",
    "ingest\\w*",
    "API",
]


def _shopsight(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shopsight", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_reports_come_as_markdown_html_json_and_email(late_store, tmp_path) -> None:
    export = tmp_path / "sales.csv"
    generate_sales_report(late_store.bucket, LATE_FROM, LATE_TO, ZONE, export, duplicates=2)
    warehouse = f"duckdb:///{copy_warehouse(late_store, tmp_path)}"
    common = [
        "reconcile", "--from", str(LATE_FROM), "--to", str(LATE_TO), "--source", str(export),
        "--business-timezone", ZONE, "--warehouse", warehouse,
        "--bucket", late_store.bucket.url,
    ]  # fmt: skip
    done = _shopsight(*common, "--json")
    as_json = json.loads(done.stdout)
    # The store's quarantined lines leave days incomplete: named, and the control is red.
    assert as_json["incomplete_days"] and done.returncode == 1, done.stderr
    gap = Decimal(as_json["gap"])
    assert sum(Decimal(c["amount"]) for c in as_json["causes"].values()) == gap
    for day in as_json["days"]:
        daily_gap = Decimal(day["source_total"]) - Decimal(day["warehouse_total"])
        assert sum(Decimal(a) for a in day["causes"].values()) == daily_gap, day["day"]
    assert len(as_json["order_ids"]["duplicates removed"]) == 2
    # Money is exact to the cent everywhere: no float noise, no negative zero.
    amounts = re.findall(r'"(-?\d+\.\d+)"', done.stdout)
    assert amounts and all(re.fullmatch(r"-?\d+\.\d\d", a) for a in amounts)
    assert '"-0.00"' not in done.stdout

    markdown = _shopsight(*common, "--format", "markdown")
    assert markdown.returncode == 1, markdown.stderr
    assert "-0.00" not in markdown.stdout
    assert "## Incomplete days (revenue unknown, not zero)" in markdown.stdout
    assert f"| gap (sum of the causes) | {gap:,.2f} |" in markdown.stdout
    assert "| duplicates removed |" in markdown.stdout and "## By day" in markdown.stdout

    page = tmp_path / "reconciliation.html"
    assert _shopsight(*common, "--format", "html", "--out", str(page)).returncode == 1
    html = page.read_text()
    assert html.startswith("<!doctype html>") and f"{gap:,.2f}" in html
    assert html.count("<details>") == len(as_json["causes"])

    email = json.loads(_shopsight(*common, "--email", "--json").stdout)
    assert email["subject"].startswith("Why the new revenue report differs")
    assert f"{gap:,.2f}" in email["text"] and f"{gap:,.2f}" in email["html"]
    assert "Some days are not complete on our side" in email["text"]
    # In the sales team's words: no reason codes, no "1 orders".
    for code in ("quarantined", "truncated_gzip", "missing_value", " 1 orders", "order lines"):
        assert code not in email["text"], code
    assert "reached us garbled" in email["text"] or "reached us damaged" in email["text"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("5,2024-01-05 10:00:00,COMPLETE,1,19.99\n6,2024-01-05 11:00:00,COMPLETE,1,19,99\n",
         "sales.csv:3: expected 5 fields, got 6"),
        ("5,2024-01-05 10:00:00,COMPLETE,1,19.99x\n",
         "sales.csv:2: column order_total: expected an amount like 59.98, got '19.99x'"),
        ("5,05/01/2024 10:00,COMPLETE,1,19.99\n",
         "sales.csv:2: column order_date: expected a local time like 2024-03-01 14:05:00"),
    ],
)  # fmt: skip
def test_a_malformed_sales_export_names_file_line_and_column(
    late_store, tmp_path, rows: str, expected: str
) -> None:
    export = tmp_path / "sales.csv"
    export.write_text("order_id,order_date,order_status,item_count,order_total\n" + rows)
    done = _shopsight(
        "reconcile", "--from", "2024-01-05", "--to", "2024-01-05", "--source", str(export),
        "--warehouse", f"duckdb:///{copy_warehouse(late_store, tmp_path)}",
    )  # fmt: skip
    assert done.returncode == 2
    assert expected in " ".join(done.stderr.split())


def test_a_low_memory_limit_changes_nothing(late_store, tmp_path, monkeypatch) -> None:
    export = tmp_path / "sales.csv"
    generate_sales_report(late_store.bucket, LATE_FROM, LATE_TO, ZONE, export, duplicates=3)
    results = {}
    for limit in ("", "64MB"):  # DuckDB's default, and a limit that makes it spill
        if limit:
            monkeypatch.setenv("SHOPSIGHT_MEMORY_LIMIT", limit)
        else:
            monkeypatch.delenv("SHOPSIGHT_MEMORY_LIMIT", raising=False)
        warehouse = connect(late_store.warehouse_url)
        try:
            found = reconcile(warehouse, LATE_FROM, LATE_TO, ZONE, str(export), late_store.bucket)
        finally:
            warehouse.close()
        results[limit] = found.to_json()
    assert results[""] == results["64MB"]
    assert len(results[""]["days"]) == (LATE_TO - LATE_FROM).days + 1
