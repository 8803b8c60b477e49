"""The figures behind the daily run report, read from the marts and the operational tables.

Every query is plain SQL that DuckDB and PostgreSQL both run. A part whose tables do not
exist yet (a source never loaded, a star never built) comes back empty, and the page says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shopsight.anomalies.record import Recorded, anomaly_detail, recorded_anomalies
from shopsight.ingest.drift import drift_report
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse
from shopsight.metrics.semantic import MetricQuery, query_metrics
from shopsight.verdict import Verdict
from shopsight.words import plural

HISTORY_DAYS = 60  # revenue, funnel and pipeline charts
ANOMALY_DAYS = 7  # the anomalies section: the last week's
SPARK_DAYS = 28  # the stalled products' sparklines


@dataclass
class ReportData:
    """Everything the page draws, as plain values."""

    run_date: date
    revenue: list[tuple[date, Decimal, int]] = field(default_factory=list)  # day, net, units
    funnel: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    # Per traffic source: sessions, conversion rate, and by last touch orders, net revenue
    # and average order value, and net revenue by first touch (semantic-layer metrics).
    campaigns: list[Campaign] = field(default_factory=list)
    # Days whose web events are not whole: (day, its orders, credited to "Events missing").
    unattributed_days: list[tuple[date, int]] = field(default_factory=list)
    # New vs returning customers: (customer type, orders, net revenue).
    customer_types: list[tuple[str, int, Decimal]] = field(default_factory=list)
    stalled: list[tuple[str, int, int, list[int]]] = field(default_factory=list)
    price_changes: list[tuple[str, date, Decimal, Decimal, Decimal]] = field(default_factory=list)
    files: dict[date, dict[str, int]] = field(default_factory=dict)  # day → status → files
    quarantined: dict[date, dict[str, int]] = field(default_factory=dict)  # day → reason → rows
    # Rows loaded although they broke a business rule: (table, rule, rows), in the window.
    warned: list[tuple[str, str, int]] = field(default_factory=list)
    # Columns files carried that the contracts do not declare, or lacked: (table, column,
    # kind, first day seen).
    drift: list[tuple[str, str, str, str]] = field(default_factory=list)
    delivery_states: list[tuple[str, int]] = field(default_factory=list)
    tracking_latest: datetime | None = None
    currency: str = "USD"  # the store's, for the money axes
    # Days whose orders are not whole: day → "N orders: reason" lines (accepted gaps too).
    incomplete: dict[date, list[str]] = field(default_factory=dict)
    # The day's verdict, as the daily run decided it (the banner shows it as it is).
    verdict: Verdict | None = None
    # What the anomaly monitors found in the last week: (recorded, its detail with the
    # monitored series and band), the day's first.
    anomalies: list[tuple[Recorded, dict[str, Any]]] = field(default_factory=list)

    @property
    def tests(self) -> dict[str, int] | None:
        """The run's dbt test outcomes by status; None when no build ran for this verdict."""
        return self.verdict.tests if self.verdict else None

    @property
    def status(self) -> tuple[str, list[str]]:
        """green / amber / red, and why (the verdict's reasons, then its caveats)."""
        if self.verdict is None:
            return "amber", ["no verdict: the daily run has not judged this day"]
        return self.verdict.colour, self.verdict.reasons + self.verdict.caveats


def latest_order_day(warehouse: Warehouse) -> date | None:
    """The last day with orders in the marts (the reconciliation's day)."""
    rows = _query(warehouse, "select max(order_date) from marts.fct_orders")
    return rows[0][0] if rows and rows[0][0] else None


def latest_data_day(warehouse: Warehouse) -> date | None:
    """The last day with orders or web sessions in the marts (the default report day: a
    store with only a web shop gets its own last day, never today's empty one)."""
    days = [
        _day(rows[0][0])
        for sql in (
            "select max(order_date) from marts.fct_orders",
            "select max(session_date) from web.fct_funnel_daily",
        )
        if (rows := _query(warehouse, sql)) and rows[0][0]
    ]
    return max(days, default=None)


class NoReportData(ValueError):
    """The report day has neither orders nor web sessions in the warehouse."""


def has_data(warehouse: Warehouse, day: date) -> bool:
    """Whether ``day`` has orders or web sessions in the marts."""
    for sql in (
        "select count(*) from marts.fct_orders where order_date = ?",
        "select count(*) from web.fct_funnel_daily where session_date = ?",
    ):
        rows = _query(warehouse, sql, [day])
        if rows and rows[0][0]:
            return True
    return False


def incomplete_days(
    warehouse: Warehouse, first: date, last: date, accepted: bool | None = False
) -> dict[date, list[str]]:
    """Days from ``first`` to ``last`` with orders of unknown revenue: day → one line per
    reason ("278 orders of unknown revenue (order lines file quarantined: truncated_gzip)").

    ``accepted`` False counts the orders whose gap nobody accepted (they make a day red);
    True only those whose missing lines a person accepted as lost (a known gap, a caveat);
    None every order of unknown revenue (the charts: unknown is never drawn as zero).
    """
    which = {
        False: "and not coalesce(is_loss_accepted, false) ",
        True: "and coalesce(is_loss_accepted, false) ",
        None: "",
    }[accepted]
    days: dict[date, list[str]] = defaultdict(list)
    for day, reason, orders in _query(
        warehouse,
        "select order_date, incomplete_reason, count(*) from marts.fct_orders "
        f"where not is_complete and order_date between ? and ? {which}"
        "group by 1, 2 order by 1, 2",
        [first, last],
    ):
        days[day].append(f"{plural(int(orders), 'order')} of unknown revenue ({reason})")
    return dict(days)


def gather_report_data(
    warehouse: Warehouse,
    run_date: date,
    verdict: Verdict | None = None,
) -> ReportData:
    """The report's figures for the ``HISTORY_DAYS`` days up to ``run_date``."""
    first = run_date - timedelta(days=HISTORY_DAYS - 1)
    data = ReportData(run_date, verdict=verdict)
    # The headline figures through the semantic layer: the metrics' one definition.
    revenue = MetricQuery(["net_revenue", "units"], start=first, end=run_date)
    data.revenue = sorted(  # by day: the query's rows come in no promised order
        (_day(day), Decimal(net or 0), int(units or 0))
        for day, net, units in _rows_or_none(lambda: query_metrics(warehouse, revenue)[1])
    )
    data.incomplete = incomplete_days(warehouse, first, run_date, accepted=None)
    data.funnel = [
        (str(source), int(a), int(b), int(c), int(d))
        for source, a, b, c, d in _query(
            warehouse,
            "select traffic_source, sum(sessions), sum(sessions_with_product_view), "
            "sum(sessions_with_cart), sum(sessions_with_purchase) from web.fct_funnel_daily "
            "where session_date between ? and ? group by 1 order by 2 desc",
            [first, run_date],
        )
    ]
    _campaigns(warehouse, data, first)
    data.stalled = _stalled_products(warehouse, run_date)
    data.price_changes = [
        (str(name), day, Decimal(old), Decimal(new), Decimal(pct))
        for name, day, old, new, pct in _query(
            warehouse,
            "select p.product_name, c.changed_on, c.old_price, c.new_price, c.change_pct "
            "from marts.fct_product_price_changes c inner join marts.dim_products p "
            "on p.product_key = c.product_key where c.changed_on between ? and ? "
            "order by abs(c.change_pct) desc, c.changed_on desc, p.product_name limit 12",
            [first, run_date],
        )
    ]
    _pipeline_health(warehouse, data, first)
    _tracking(warehouse, data)
    data.anomalies = [
        (found, anomaly_detail(warehouse, found.anomaly_id) or {})
        for found in recorded_anomalies(
            warehouse, since=run_date - timedelta(days=ANOMALY_DAYS - 1)
        )
        if found.day <= run_date.isoformat()
    ]
    return data


def _stalled_products(
    warehouse: Warehouse, run_date: date
) -> list[tuple[str, int, int, list[int]]]:
    """Products stalled on the report day (the mart's flag on ``run_date``): name, days
    since their last sale as of that day, units to date, units per day over the last
    ``SPARK_DAYS``."""
    first = run_date - timedelta(days=SPARK_DAYS - 1)
    flagged = _query(
        warehouse,
        "select s.product_id, max(p.product_name), max(s.days_since_last_sale), "
        "max(s.units_to_date) from marts.fct_daily_product_sales s "
        "inner join marts.dim_products p on p.product_id = s.product_id and p.is_current "
        "where s.is_stalled and s.sales_date = ? "
        "group by 1 order by 4 desc, 2 limit 15",
        [run_date],
    )
    if not flagged:
        return []
    ids = [int(row[0]) for row in flagged]
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    for product_id, day, units in _query(
        warehouse,
        "select product_id, sales_date, units from marts.fct_daily_product_sales "
        f"where sales_date between ? and ? and product_id in ({', '.join('?' for _ in ids)})",
        [first, run_date, *ids],
    ):
        daily[int(product_id)][day] = int(units or 0)
    days = [first + timedelta(days=i) for i in range(SPARK_DAYS)]
    return [
        (str(name), int(since or 0), int(to_date or 0), [daily[int(pid)].get(d, 0) for d in days])
        for pid, name, since, to_date in flagged
    ]


def _pipeline_health(warehouse: Warehouse, data: ReportData, first: date) -> None:
    files: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, status, count in _query(
        warehouse,
        f"select file_dt, status, count(*) from {OPS_SCHEMA}.ingest_ledger "
        "where file_dt between ? and ? group by 1, 2",
        [first, data.run_date],
    ):
        files[day][str(status)] += int(count)
    data.files = {day: dict(counts) for day, counts in sorted(files.items())}
    quarantined: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, reason, count in _query(
        warehouse,
        f"select l.file_dt, q.reason, count(*) from {OPS_SCHEMA}.quarantine q "
        f"inner join {OPS_SCHEMA}.ingest_ledger l on l.ingest_id = q.ingest_id "
        "where l.file_dt between ? and ? and q.line_number is not null group by 1, 2",
        [first, data.run_date],
    ):
        quarantined[day][str(reason)] += int(count)
    data.quarantined = {day: dict(counts) for day, counts in sorted(quarantined.items())}
    data.warned = [
        (str(table), str(rule), int(count))
        for table, rule, count in _query(
            warehouse,
            f"select w.source || '.' || w.table_name, "
            f"w.reason || coalesce(':' || w.column_name, ''), count(*) "
            f"from {OPS_SCHEMA}.row_warnings w "
            f"inner join {OPS_SCHEMA}.ingest_ledger l on l.ingest_id = w.ingest_id "
            "where l.file_dt between ? and ? group by 1, 2 order by 3 desc, 1, 2",
            [first, data.run_date],
        )
    ]
    data.drift = [
        (d["source"] + "." + d["table"], d["column"], d["kind"], d["first_day"] or "")
        for d in _rows_or_none(lambda: drift_report(warehouse))
    ]


def _tracking(warehouse: Warehouse, data: ReportData) -> None:
    data.delivery_states = [
        (str(tag), int(count))
        for tag, count in _query(
            warehouse,
            "select coalesce(latest_tag, 'Not shipped'), count(*) "
            "from web.fct_order_item_shipments group by 1 order by 2 desc",
        )
    ]
    rows = _query(warehouse, "select max(changed_at) from web.fct_shipment_events")
    data.tracking_latest = rows[0][0] if rows and rows[0][0] else None


@dataclass(frozen=True)
class Campaign:
    """A traffic source's performance over the report's window."""

    source: str
    sessions: int | None  # None: the source brought no session we know of (never 0)
    conversion_rate: float | None
    orders: int  # by last touch
    net_revenue: Decimal  # by last touch
    average_order_value: Decimal | None
    first_touch_revenue: Decimal


def _campaigns(warehouse: Warehouse, data: ReportData, first: date) -> None:
    """Sessions and conversion by source; orders and revenue by last and first touch; new
    vs returning customers: all through the semantic layer's metrics."""

    def metric(names: list[str], by: str) -> dict[str, tuple[Any, ...]]:
        request = MetricQuery(names, group_by=[by], start=first, end=data.run_date)
        rows = _rows_or_none(lambda: query_metrics(warehouse, request)[1])
        return {str(row[0]): tuple(row[1:]) for row in rows}

    sessions = metric(["sessions", "conversion_rate"], "session__traffic_source")
    last = metric(
        ["web_orders", "web_net_revenue", "web_average_order_value"],
        "web_order__last_touch_source",
    )
    first_touch = metric(["web_net_revenue"], "web_order__first_touch_source")
    sources = sorted(set(sessions) | set(last) | set(first_touch))
    data.campaigns = sorted(
        (
            Campaign(
                source,
                int(sessions[source][0] or 0) if source in sessions else None,
                float(sessions[source][1] or 0) if source in sessions else None,
                int(last.get(source, (0, 0, None))[0] or 0),
                Decimal(last.get(source, (0, 0, None))[1] or 0),
                _money(last.get(source, (0, 0, None))[2]),
                Decimal(first_touch.get(source, (0,))[0] or 0),
            )
            for source in sources
        ),
        key=lambda c: (-c.net_revenue, c.source),
    )
    data.unattributed_days = [
        (_day(day), int(orders))
        for day, orders in _query(
            warehouse,
            "select order_date, count(*) from web.fct_orders where not is_attribution_complete "
            "and order_date between ? and ? group by 1 order by 1",
            [first, data.run_date],
        )
    ]
    data.customer_types = [
        (kind, int(orders or 0), Decimal(revenue or 0))
        for kind, (orders, revenue) in sorted(
            metric(["web_orders", "web_net_revenue"], "web_order__customer_type").items()
        )
    ]


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _query(warehouse: Warehouse, sql: str, params: list[Any] | None = None) -> list[Any]:
    """Rows, or none when a table the query needs is not there yet."""
    return _rows_or_none(lambda: warehouse.query(sql, params or []))


def _rows_or_none(read: Callable[[], list[Any]]) -> list[Any]:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - both engines' "no such table" errors
        if "does not exist" in str(error) or "not found" in str(error).lower():
            return []
        raise
