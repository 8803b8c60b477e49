"""Write the daily run report into the bucket (``reports/dt=<day>/shopsight-report.html``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shopsight.config import Settings
from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile
from shopsight.report.data import (
    NoReportData,
    gather_report_data,
    has_data,
    latest_data_day,
    latest_order_day,
)
from shopsight.report.page import render_page
from shopsight.storage import Bucket
from shopsight.verdict import Verdict, decide_verdict, recorded_verdict

RECONCILE_DAYS = 7


@dataclass(frozen=True)
class PublishedReport:
    key: str
    url: str
    size_bytes: int
    run_date: date
    html: str

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "url": self.url,
            "size_bytes": self.size_bytes,
            "run_date": self.run_date.isoformat(),
        }


def report_key(run_date: date) -> str:
    return f"reports/dt={run_date.isoformat()}/shopsight-report.html"


def publish_report(
    settings: Settings,
    run_date: date | None = None,
    tests: dict[str, int] | None = None,
    verdict: Verdict | None = None,
) -> PublishedReport:
    """Render the report for ``run_date`` (default: the last day with orders or web
    sessions) and store it.

    ``verdict`` is the day's verdict as the daily run decided it. Without one, the page
    shows the verdict the last run of that day recorded, and only for a day no run has
    judged yet decides one here from ``tests`` (this caller's dbt test outcomes; None: no
    build ran, and the page says so rather than showing another build's counts).

    Raises:
        NoReportData: the day has no orders and no web sessions (nothing is written).
        WarehouseError, StorageError: the warehouse or the bucket cannot be used.
    """
    bucket = Bucket(settings.bucket, settings, create=False)
    bucket.require()  # the report is written into it: a typo must not make a new one
    warehouse = connect(settings.warehouse, create=False)
    try:
        last_day = latest_order_day(warehouse)  # None: the retail star has no orders yet
        day = run_date or latest_data_day(warehouse) or datetime.now(UTC).date()
        if not has_data(warehouse, day):
            latest = f"the last day with orders is {last_day}" if last_day else "no orders yet"
            raise NoReportData(
                f"no orders or web sessions on {day} in the warehouse ({latest}): no report written"
            )
        verdict = verdict or recorded_verdict(warehouse, day)
        if verdict is None:
            verdict = decide_verdict(
                warehouse, day, tests, [], settings.max_reject_ratio, record_warnings=False
            )
        data = gather_report_data(warehouse, day, verdict)
        data.currency = settings.currency
        reconciliation = None
        if last_day is not None:
            first = day - timedelta(days=RECONCILE_DAYS - 1)
            reconciliation = reconcile(
                warehouse, first, day, settings.business_timezone, bucket=bucket
            )
    finally:
        warehouse.close()
    html = render_page(data, reconciliation, datetime.now(UTC))
    key = report_key(day)
    bucket.write_bytes(key, html.encode("utf-8"))
    return PublishedReport(key, bucket.link(key), len(html.encode("utf-8")), day, html)
