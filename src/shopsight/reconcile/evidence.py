"""Why an order may be missing from the marts: the operational records that explain it.

Besides ``marts.fct_orders`` and the landing tables (loaded, not built), which the
reconciliation reads where they are, it gathers the records that explain a missing or short
order: the quarantine (rows kept aside, with their reason), the ingest ledger (which files
loaded, which were quarantined whole, the last day delivered) and the files waiting in the
bucket that no run has loaded yet. They are few; :func:`stage_evidence` puts them beside the
marts as temporary tables so that the classification is one query.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date

from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.reader import FileRejected, decompress
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

SOURCE = "retail_db"
ORDER_ID_FIELD = {"orders": 0, "order_items": 1}  # where each table's line holds the order id


@dataclass
class Evidence:
    """The records that explain gaps."""

    quarantined: dict[int, str] = field(default_factory=dict)  # order id → reason
    quarantined_days: dict[date, str] = field(default_factory=dict)  # file day → reason
    warned: dict[int, str] = field(default_factory=dict)  # order id → broken business rule
    waiting: dict[int, set[date]] = field(default_factory=dict)  # order id → unloaded file days
    last_delivered: date | None = None  # latest day with a loaded orders file


def gather_evidence(warehouse: Warehouse, bucket: Bucket | None) -> Evidence:
    """The records that explain gaps: quarantine, ledger, files waiting in the bucket."""
    evidence = Evidence()
    _read_quarantine(warehouse, evidence)
    _read_warnings(warehouse, evidence)
    recorded = _read_ledger(warehouse, evidence)
    if bucket is not None:
        _read_waiting_files(bucket, recorded, evidence)
    return evidence


EVIDENCE_TABLES = {  # temporary tables of the warehouse's session: name → columns
    "reconcile_quarantined": "order_id bigint, reason varchar",
    "reconcile_waiting": "order_id bigint, day date",
    "reconcile_quarantined_days": "day date, reason varchar",
    "reconcile_warned": "order_id bigint, reason varchar",
}


def stage_evidence(warehouse: Warehouse, evidence: Evidence) -> None:
    """The evidence as temporary tables: each order and day at most once per table."""
    rows: dict[str, list[tuple[object, ...]]] = {
        "reconcile_quarantined": list(evidence.quarantined.items()),
        "reconcile_waiting": [
            (order_id, day) for order_id, days in evidence.waiting.items() for day in days
        ],
        "reconcile_quarantined_days": list(evidence.quarantined_days.items()),
        "reconcile_warned": list(evidence.warned.items()),
    }
    for table, columns in EVIDENCE_TABLES.items():
        warehouse.execute(f"drop table if exists {table}")
        warehouse.execute(f"create temp table {table} ({columns})")
        if rows[table]:
            names = [column.split()[0] for column in columns.split(", ")]
            warehouse.insert_rows(table, names, rows[table])


def _read_warnings(warehouse: Warehouse, evidence: Evidence) -> None:
    """Orders with a line that loaded although it broke a business rule (a subtotal that is
    not quantity × price, a zero quantity...), in the version the marts hold: the sales
    system may count that line otherwise. Found by the line's key, then its file and line."""
    warned = warehouse.query(
        f"select count(*) from {OPS_SCHEMA}.row_warnings "
        "where source = ? and table_name = 'order_items'",
        [SOURCE],
    )
    if not warned[0][0]:
        return
    rows = warehouse.query(
        f"""select i.order_item_order_id, min(w.reason)
        from {OPS_SCHEMA}.row_warnings w
        inner join {SOURCE}.order_items i
            on i.order_item_id = cast(w.row_key as bigint)
            and i._file_path = w.path and i._line_number = w.line_number
        where w.source = ? and w.table_name = 'order_items'
        group by i.order_item_order_id""",
        [SOURCE],
    )
    evidence.warned.update((int(order_id), str(reason)) for order_id, reason in rows)


def _read_quarantine(warehouse: Warehouse, evidence: Evidence) -> None:
    rows = warehouse.query(
        f"select table_name, raw_line, reason from {OPS_SCHEMA}.quarantine "
        "where source = ? and table_name in ('orders', 'order_items') "
        "and readmitted_in is null and raw_line is not null order by quarantined_at, line_number",
        [SOURCE],
    )
    for table, raw_line, reason in rows:
        order_id = _order_id(str(raw_line), table)
        if order_id is not None:
            evidence.quarantined.setdefault(order_id, str(reason))


def _read_ledger(warehouse: Warehouse, evidence: Evidence) -> set[str]:
    """Fill in the quarantined file days and the last delivered day; return every path the
    ledger has seen (loaded, quarantined or skipped)."""
    rows = warehouse.query(
        f"select table_name, path, file_dt, status, reason from {OPS_SCHEMA}.ingest_ledger "
        "where source = ? and table_name in ('orders', 'order_items')",
        [SOURCE],
    )
    loaded = {path for _, path, _, status, _ in rows if status == "loaded"}
    for table, path, file_dt, status, reason in rows:
        delivered = status == "loaded" and table == "orders" and file_dt is not None
        if delivered and (evidence.last_delivered is None or file_dt > evidence.last_delivered):
            evidence.last_delivered = file_dt
        if status == "quarantined" and path not in loaded and file_dt is not None:
            evidence.quarantined_days.setdefault(file_dt, str(reason))
    return {path for _, path, _, _, _ in rows}


def _read_waiting_files(bucket: Bucket, recorded: set[str], evidence: Evidence) -> None:
    """Orders in files that arrived in the bucket but no run has looked at yet, with the
    files' days (a file of day D carries D's new orders and status changes of older ones)."""
    for table in ORDER_ID_FIELD:
        for info in bucket.list(f"landing/{SOURCE}/{table}/"):
            if info.key in recorded or not info.key.endswith((".csv", ".csv.gz")):
                continue
            day = date.fromisoformat(info.key.split("dt=", 1)[1][:10])
            try:
                text = decompress(info.key, bucket.read_bytes(info.key)).decode("utf-8", "replace")
            except FileRejected:
                continue
            for line in text.splitlines():
                order_id = _order_id(line, table)
                if order_id is not None:
                    evidence.waiting.setdefault(order_id, set()).add(day)


def _order_id(line: str, table: str) -> int | None:
    fields = next(csv.reader([line]), [])
    position = ORDER_ID_FIELD[table]
    if len(fields) > position and fields[position].strip().isdigit():
        return int(fields[position])
    return None
