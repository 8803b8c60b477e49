"""The anomalies step: every declared monitor on the day (the marts) and on the file days
this run loaded (the landed tables), recorded for `status`, the report and the alert."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shopsight.anomalies.detect import Anomaly, judge_columns, judge_landed, judge_mart
from shopsight.anomalies.monitors import Monitors
from shopsight.anomalies.profile import profiles
from shopsight.anomalies.record import acknowledged_days, record_anomalies
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse


@dataclass
class Check:
    """What one check looked at and found (the step's summary)."""

    day: str | None
    monitors: int = 0  # mart monitors run on the day
    learning: list[str] = field(default_factory=list)  # of those, too little history to judge
    skipped: list[str] = field(default_factory=list)  # why a part of the check did not run
    errors: list[str] = field(default_factory=list)  # monitors whose query failed (amber)
    anomalies: list[dict[str, Any]] = field(default_factory=list)  # new, unacknowledged

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_anomalies(
    warehouse: Warehouse,
    monitors: Monitors,
    day: date | None,
    loaded_since: datetime | None = None,
) -> Check:
    """Run every monitor and record what it found.

    ``day``: the day the marts are judged for (None: no day in the marts yet). The landed
    tables are judged for the file days of the files loaded at or after ``loaded_since``
    (None: ``day`` only).
    """
    from shopsight.report.data import incomplete_days

    check = Check(day.isoformat() if day else None)
    acked = acknowledged_days(warehouse)
    found: list[Anomaly] = []
    checked: list[tuple[date, str]] = []
    if day is not None:
        window = max(m.rule.window_days for m in monitors.marts) if monitors.marts else 28
        first = day - timedelta(days=window)
        incomplete = set(incomplete_days(warehouse, first, day, accepted=None))
        if day in incomplete:
            check.skipped.append(f"{day} is incomplete: its marts are judged once it is whole")
        else:
            for monitor in monitors.marts:
                start = day - timedelta(days=monitor.rule.window_days)
                try:
                    rows = warehouse.query(monitor.sql, [start, day])
                except Exception as error:  # a declared query: any engine's error, one line
                    first_line = str(error).strip().splitlines()[0] if str(error) else ""
                    check.errors.append(f"monitor {monitor.name} could not run: {first_line}")
                    continue
                excluded = incomplete | acked.get(monitor.name, set())
                found += judge_mart(monitor, rows, day, excluded, check.learning)
                checked.append((day, monitor.name))
                check.monitors += 1
    found += _landed(warehouse, monitors, day, loaded_since, acked, checked, check.errors)
    fresh = record_anomalies(warehouse, checked, found)
    check.anomalies = [a.to_json() for a in fresh]
    return check


def _landed(
    warehouse: Warehouse,
    monitors: Monitors,
    day: date | None,
    loaded_since: datetime | None,
    acked: dict[str, set[date]],
    checked: list[tuple[date, str]],
    errors: list[str],
) -> list[Anomaly]:
    days_of: dict[str, set[date]] = defaultdict(set)
    if loaded_since is not None:
        # The ledger keeps whole seconds: a file loaded in the run's first second has a
        # finish time before the run's start unless the start is cut to its second too.
        since = loaded_since.replace(microsecond=0)
        for table, file_dt in warehouse.query(
            f"select distinct source || '.' || table_name, file_dt from {OPS_SCHEMA}.ingest_ledger "
            "where status = 'loaded' and file_dt is not null and finished_at >= ?",
            [since],
        ):
            days_of[str(table)].add(_day(file_dt))
    elif day is not None:
        for (table,) in warehouse.query(
            f"select distinct source || '.' || table_name from {OPS_SCHEMA}.ingest_ledger "
            "where status = 'loaded' and file_dt = ?",
            [day],
        ):
            days_of[str(table)].add(day)
    found: list[Anomaly] = []
    window = monitors.landed_rule.window_days
    for table, days in sorted(days_of.items()):
        first, last = min(days) - timedelta(days=window), max(days)
        rows_by_day: dict[date, int] = {}
        empty: set[date] = set()
        for file_dt, loaded, rejected in warehouse.query(
            f"select file_dt, sum(rows_loaded), sum(rows_rejected) from {OPS_SCHEMA}.ingest_ledger "
            "where status = 'loaded' and source || '.' || table_name = ? "
            "and file_dt between ? and ? group by file_dt",
            [table, first, last],
        ):
            rows_by_day[_day(file_dt)] = int(loaded)
            if not loaded and not rejected:
                empty.add(_day(file_dt))
        try:
            shares = profiles(warehouse, table, first, last)
        except Exception as error:  # any engine's error, one line: amber, never a crash
            first_line = str(error).strip().splitlines()[0] if str(error) else ""
            errors.append(f"monitor landed.{table}.columns could not run: {first_line}")
            shares = {}
        for file_day in sorted(days):
            excluded = acked.get(f"landed.{table}", set())
            found += judge_landed(monitors, table, rows_by_day, empty, file_day, excluded)
            checked.append((file_day, f"landed.{table}"))
            excluded = acked.get(f"landed.{table}.columns", set())
            found += judge_columns(monitors, table, shares, file_day, excluded)
            checked.append((file_day, f"landed.{table}.columns"))
    return found


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
