"""Write the daily run report into the bucket (``reports/dt=<day>/shopsight-report.html``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shopsight.build import DBT_PROJECT_DIR
from shopsight.config import Settings
from shopsight.ingest.warehouse import connect
from shopsight.reconcile import reconcile
from shopsight.report.data import gather_report_data, latest_order_day
from shopsight.report.page import render_page
from shopsight.storage import Bucket

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


def last_test_results() -> dict[str, int]:
    """Test outcomes of the last dbt invocation (its run_results.json), by status."""
    path = DBT_PROJECT_DIR / "target" / "run_results.json"
    if not path.exists():
        return {}
    counts: dict[str, int] = {}
    for node in json.loads(path.read_text()).get("results", []):
        if node["unique_id"].split(".", 1)[0] in ("test", "unit_test"):
            counts[node["status"]] = counts.get(node["status"], 0) + 1
    return counts


def publish_report(
    settings: Settings, run_date: date | None = None, tests: dict[str, int] | None = None
) -> PublishedReport:
    """Render the report for ``run_date`` (default: the last day with orders) and store it.

    Raises:
        WarehouseError, StorageError: the warehouse or the bucket cannot be used.
    """
    bucket = Bucket(settings.bucket, settings)
    warehouse = connect(settings.warehouse)
    try:
        last_day = latest_order_day(warehouse)  # None: the retail star has no orders yet
        day = run_date or last_day or datetime.now(UTC).date()
        data = gather_report_data(warehouse, day, last_test_results() if tests is None else tests)
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
    return PublishedReport(key, f"{bucket.url}/{key}", len(html.encode("utf-8")), day, html)
