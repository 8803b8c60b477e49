"""The sales system's view of orders: from the landing tables, an OLTP database, or its export.

Every source yields the same record per order, counted the way a sales system counts: the
gross order value as the sales system stores it (a floating-point sum of the lines'
subtotals, kept here as the exact decimal of that float), every status, the order time.

The sales system's order export (what ``shopsight generate sales-report`` writes) is a CSV
file with a header: ``order_id,order_date,order_status,item_count,order_total``, where
``order_date`` is local time in the business time zone (``YYYY-MM-DD HH:MM:SS``) and
``order_total`` is the stored float as the system prints it (``59.980000000000004``). An
order may be listed more than once (an order amended while the export ran).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from shopsight.ingest.warehouse import Warehouse, connect

EXPORT_COLUMNS = ["order_id", "order_date", "order_status", "item_count", "order_total"]
EXPORT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class SalesSourceError(ValueError):
    """The sales system's export cannot be read: names the file, line and column."""


@dataclass(frozen=True, slots=True)
class SalesOrder:
    """One order as the sales system counts it (``ordered_at`` is UTC, naive)."""

    order_id: int
    ordered_at: datetime
    status: str
    total: Decimal
    lines: int


def describe_source(source: str) -> str:
    """How a ``--source`` value is named in reports."""
    if source == "landing":
        return "the landing tables"
    if source.startswith(("postgresql://", "postgres://")):
        return "the sales database"
    return f"the sales export {Path(source).name}"


SALES_TABLE = "reconcile_sales"  # a temporary table of the warehouse's session
SALES_COLUMNS = ["order_id", "ordered_at", "total", "approx", "listing"]


def stage_sales(
    source: str, warehouse: Warehouse, zone: ZoneInfo, low: datetime, high: datetime
) -> None:
    """Put the sales system's orders placed in ``[low, high)`` (UTC) into the temporary table
    ``reconcile_sales``: one row per listing, ``total`` the exact decimal of the stored
    value, ``approx`` the nearest float (quick to round), ``listing`` the order listings
    come in (an export lists an order again when it was amended while the export ran).

    ``source`` is ``landing`` (the warehouse's landing tables: read where they are), a
    PostgreSQL URL (the OLTP database: tables ``orders`` and ``order_items`` in retail_db's
    layout) or a file path (the sales system's export).

    Raises:
        SalesSourceError: the export is missing or a value in it is malformed.
    """
    warehouse.execute(f"drop table if exists {SALES_TABLE}")
    if source == "landing":
        warehouse.execute(
            f"create temp table {SALES_TABLE} as select o.order_id, o.order_date as ordered_at, "
            "cast(cast(approx as varchar) as numeric(38, 20)) as total, approx, 1 as listing "
            "from (select o.order_id, o.order_date, "
            # In line order, as the sales system adds them: a float sum in any other order
            # can differ in its last digit, and the rounding cause with it, run to run.
            "sum(cast(i.order_item_subtotal as double precision) order by i.order_item_id) "
            "as approx "
            "from retail_db.orders o inner join retail_db.order_items i "
            "on i.order_item_order_id = o.order_id "
            "where o.order_date >= ? and o.order_date < ? group by o.order_id, o.order_date) o",
            [low, high],
        )
        return
    if source.startswith(("postgresql://", "postgres://")):
        database = connect(source)
        try:
            orders = _read_tables(database, "", low, high)
        finally:
            database.close()
    else:
        orders = [
            order
            for order in read_sales_export(Path(source), zone)
            if low <= order.ordered_at < high
        ]
    warehouse.execute(
        f"create temp table {SALES_TABLE} (order_id bigint, ordered_at timestamp, "
        "total numeric(38, 20), approx double precision, listing bigint)"
    )
    rows = [
        (order.order_id, order.ordered_at, str(order.total), float(order.total), listing)
        for listing, order in enumerate(orders)
    ]
    if rows:
        warehouse.insert_rows(SALES_TABLE, SALES_COLUMNS, rows)


def _read_tables(
    database: Warehouse, prefix: str, low: datetime, high: datetime
) -> list[SalesOrder]:
    rows = database.query(
        "select o.order_id, o.order_date, o.order_status, "
        "sum(cast(i.order_item_subtotal as double precision) order by i.order_item_id), "
        "count(i.order_item_id) "
        f"from {prefix}orders o inner join {prefix}order_items i "
        "on i.order_item_order_id = o.order_id "
        "where o.order_date >= ? and o.order_date < ? group by 1, 2, 3",
        [low, high],
    )
    return [
        SalesOrder(int(order_id), _naive_utc(ordered_at), str(status), Decimal(repr(total)), int(n))
        for order_id, ordered_at, status, total, n in rows
    ]


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


_WHOLE = re.compile(r"[0-9]{1,18}")  # ASCII digits only: int() also reads other scripts'
# Plain decimal notation; the sales system's float arithmetic leaves long fractions (the
# reconciliation's "rounding" cause), so only the integer part is bounded.
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,20})?")


def read_sales_export(path: Path, zone: ZoneInfo) -> Iterator[SalesOrder]:
    """The orders of a sales export file, order times converted from local time to UTC.

    Raises:
        SalesSourceError: one line naming the file, line, column and what was expected.
    """
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise SalesSourceError(f"{path}: cannot read the sales export ({error.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header != EXPORT_COLUMNS:
                raise SalesSourceError(
                    f"{path}:1: expected the header {','.join(EXPORT_COLUMNS)}, got "
                    f"{','.join(header or [])[:200] or 'an empty file'}"
                )
            for fields in reader:
                yield _export_order(path, reader.line_num, fields, zone)
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as error:  # e.g. a field over the csv module's 128 KiB limit
            raise SalesSourceError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None


def _not_utf8(path: Path) -> SalesSourceError:
    """The error naming the first line that is not UTF-8 (found again, on error only)."""
    with path.open("rb") as binary:
        for number, raw in enumerate(binary, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return SalesSourceError(
                    f"{path}:{number}: column {error.start + 1}: expected UTF-8 text, found "
                    f"byte 0x{raw[error.start]:02x} (export the file as UTF-8)"
                )
    return SalesSourceError(f"{path}: expected UTF-8 text")


def _export_order(path: Path, line: int, fields: list[str], zone: ZoneInfo) -> SalesOrder:
    if len(fields) != len(EXPORT_COLUMNS):
        raise SalesSourceError(
            f"{path}:{line}: expected {len(EXPORT_COLUMNS)} fields, got {len(fields)}"
        )
    order_id, ordered, status, items, total = fields

    def bad(column: str, expected: str) -> SalesSourceError:
        value = fields[EXPORT_COLUMNS.index(column)]
        return SalesSourceError(
            f"{path}:{line}: column {column}: expected {expected}, got {value!r}"
        )

    if not _WHOLE.fullmatch(order_id):
        raise bad("order_id", "a whole number")
    if not _WHOLE.fullmatch(items):
        raise bad("item_count", "a whole number")
    try:
        local = datetime.strptime(ordered, EXPORT_TIME_FORMAT)
    except ValueError:
        raise bad("order_date", "a local time like 2024-03-01 14:05:00") from None
    if not _AMOUNT.fullmatch(total):
        raise bad("order_total", "an amount like 59.98")
    amount = Decimal(total)
    ordered_at = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    return SalesOrder(int(order_id), ordered_at, status, amount, int(items))
