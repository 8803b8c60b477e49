"""Revenue reconciliation: why the sales system's daily revenue differs from the warehouse's.

The sales system counts gross order value, every status, by order time in the business time
zone, in floating point. The warehouse (``marts.fct_orders``) counts net revenue, exact
decimals, by the UTC day. Matching is per order; each order's difference is split into named
causes (see ``result.py``) whose amounts add up exactly to the gap:

- the float part of a sales amount beyond the cent is ``rounding``;
- extra listings of one order in the sales source are ``duplicates removed``;
- an order missing from (or short in) the marts is explained, in this order, by the
  quarantine (its rows kept aside, with the reason), a file that arrived but is not loaded, a
  file quarantined whole for its day, no file delivered yet for its day, the landing tables
  (loaded, not built), and otherwise stays ``unexplained``;
- gross value the revenue definition leaves out is ``excluded: <STATUS>``;
- an order the two sides count on different days is ``day boundary`` (out on one day, in on
  the other, so each day's causes add up to that day's gap too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shopsight.ingest.warehouse import Warehouse, require_built
from shopsight.reconcile.evidence import Evidence, MartOrder, gather_evidence, read_orders
from shopsight.reconcile.result import (
    DAY_BOUNDARY,
    DUPLICATES,
    EXCLUDED,
    NOT_ARRIVED,
    NOT_BUILT,
    QUARANTINED,
    QUARANTINED_FILE,
    ROUNDING,
    UNEXPLAINED,
    WAITING,
    Reconciliation,
)
from shopsight.reconcile.sales import SalesOrder, SalesSource
from shopsight.storage import Bucket

CENT = Decimal("0.01")
CHUNK_DAYS = 31


def reconcile(
    warehouse: Warehouse,
    start: date,
    end: date,
    business_timezone: str = "UTC",
    source: str = "landing",
    bucket: Bucket | None = None,
) -> Reconciliation:
    """Reconcile revenue per day from ``start`` to ``end`` (inclusive, business days).

    Args:
        source: ``landing``, a PostgreSQL URL of the sales database, or a sales export file.
        bucket: where to look for files that arrived but are not loaded (optional).

    Raises:
        SalesSourceError: the sales export cannot be read.
        KeyError: ``business_timezone`` is not a known time zone.
        WarehouseError: the marts are not built yet.
    """
    zone = ZoneInfo(business_timezone)
    require_built(warehouse, "marts.fct_orders")
    sales = SalesSource(source, warehouse, zone)
    evidence = gather_evidence(warehouse, bucket)
    result = Reconciliation(start, end, business_timezone, source)
    first = start
    while first <= end:  # a chunk at a time: memory follows the chunk, not the period
        last = min(end, first + timedelta(days=CHUNK_DAYS - 1))
        low = datetime.combine(first - timedelta(days=2), datetime.min.time())
        high = datetime.combine(last + timedelta(days=3), datetime.min.time())
        read_orders(warehouse, evidence, low, high)
        _match_chunk(result, sales.orders(low, high), evidence, first, last, zone)
        _note_incomplete(result, evidence, first, last, zone)
        first = last + timedelta(days=1)
    return result


def _note_incomplete(
    result: Reconciliation, evidence: Evidence, first: date, last: date, zone: ZoneInfo
) -> None:
    """Name the business days of this chunk that hold orders of unknown revenue."""
    for ordered_at, reason in evidence.incomplete.values():
        day = ordered_at.replace(tzinfo=UTC).astimezone(zone).date()
        if first <= day <= last:
            result.note_incomplete(day, reason)


def _match_chunk(
    result: Reconciliation,
    sales: list[SalesOrder],
    evidence: Evidence,
    first: date,
    last: date,
    zone: ZoneInfo,
) -> None:
    """Match the sales orders of local days ``first``..``last`` and the marts' orders of
    those UTC days; the sales and marts given cover two days more on either side."""

    def local_day(moment: datetime) -> date:
        return moment.replace(tzinfo=UTC).astimezone(zone).date()

    listed: set[int] = set()  # in the sales system, on a day of the whole period
    counted: set[int] = set()
    for order in sales:
        day = local_day(order.ordered_at)
        if not result.start <= day <= result.end:
            continue
        listed.add(order.order_id)
        if not first <= day <= last:
            continue
        result.source_total += order.total
        result.daily_source[day] += order.total
        if order.order_id in counted:  # listed again: the warehouse keeps one
            result.add(day, DUPLICATES, order.total, order.order_id)
            continue
        counted.add(order.order_id)
        result.source_orders += 1
        _explain(result, day, order, evidence.marts.get(order.order_id), evidence)
    for order_id, mart in evidence.marts.items():
        utc_day = mart.ordered_at.date()
        if not first <= utc_day <= last:
            continue
        result.warehouse_total += mart.net
        result.daily_warehouse[utc_day] += mart.net
        result.warehouse_orders += mart.net != 0
        if not result.start <= local_day(mart.ordered_at) <= result.end:
            result.add(utc_day, DAY_BOUNDARY, -mart.net, order_id)
        elif order_id not in listed:  # in the warehouse only
            result.add(utc_day, UNEXPLAINED, -mart.net, order_id)


def _explain(
    result: Reconciliation,
    day: date,
    order: SalesOrder,
    mart: MartOrder | None,
    evidence: Evidence,
) -> None:
    """Split one in-range sales order's amount against its warehouse counterpart."""
    cents = order.total.quantize(CENT)
    result.add(day, ROUNDING, order.total - cents, order.order_id)
    if mart is None:
        result.add(day, _why_different(order, evidence, missing=True), cents, order.order_id)
        return
    short = cents - mart.gross
    if short:
        result.add(day, _why_different(order, evidence, missing=False), short, order.order_id)
    result.add(day, f"{EXCLUDED}: {mart.status}", mart.gross - mart.net, order.order_id)
    utc_day = mart.ordered_at.date()
    if utc_day != day:  # the warehouse counts it on another day, or not in this period
        result.add(day, DAY_BOUNDARY, mart.net, order.order_id)
        if result.start <= utc_day <= result.end:
            result.add(utc_day, DAY_BOUNDARY, -mart.net, order.order_id)


def _why_different(order: SalesOrder, evidence: Evidence, missing: bool) -> str:
    """Why the marts lack the order (``missing``) or hold less (or more) of it."""
    utc_day = order.ordered_at.date()
    if order.order_id in evidence.quarantined:
        return f"{QUARANTINED}: {evidence.quarantined[order.order_id]}"
    if utc_day in evidence.waiting.get(order.order_id, ()):
        return WAITING
    if utc_day in evidence.quarantined_days:
        return f"{QUARANTINED_FILE}: {evidence.quarantined_days[utc_day]}"
    if not missing:  # its lines differ, and no record explains why
        return UNEXPLAINED
    if evidence.last_delivered is None or utc_day > evidence.last_delivered:
        return NOT_ARRIVED
    if order.order_id in evidence.landed:
        return NOT_BUILT
    return UNEXPLAINED
