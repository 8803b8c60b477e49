"""The anomalies found, kept in the control database: listed by `status`, the report and
`shopsight anomalies list`; acknowledged by a person (`shopsight anomalies ack`), which is
recorded like an acceptance (who, when, why) and leaves the day out of later bands."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shopsight.anomalies.detect import Anomaly
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.problems import current_user
from shopsight.ingest.warehouse import Warehouse

TABLE = f"{OPS_SCHEMA}.anomalies"
COLUMNS = ["anomaly_id", "run_day", "monitor", "kind", "severity", "sentence", "detail", "found_at"]


class AnomalyError(ValueError):
    """An acknowledgement that cannot be recorded (one line)."""


@dataclass(frozen=True)
class Recorded:
    anomaly_id: str
    day: str
    monitor: str
    kind: str
    severity: str
    sentence: str
    acked_by: str | None = None
    ack_reason: str | None = None
    acked_at: str | None = None

    @property
    def acked(self) -> bool:
        return self.acked_by is not None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record_anomalies(
    warehouse: Warehouse, checked: list[tuple[date, str]], found: list[Anomaly]
) -> list[Anomaly]:
    """Replace what the monitors said before about the (day, monitor) pairs just checked
    (a rerun finds the same, never twice); acknowledged anomalies stay as they were.
    Returns the anomalies nobody acknowledged."""
    acked = {
        row[0]
        for row in warehouse.query(f"select anomaly_id from {TABLE} where acked_at is not null")
    }
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with warehouse.transaction():
        for day, monitor in checked:
            warehouse.execute(
                f"delete from {TABLE} where acked_at is null and run_day = ? "
                "and (monitor = ? or monitor = ?)",
                [day, monitor, f"{monitor}.mix"],
            )
        fresh = [a for a in found if a.anomaly_id not in acked]
        if fresh:
            warehouse.insert_rows(
                TABLE,
                COLUMNS,
                [
                    [
                        a.anomaly_id,
                        a.day,
                        a.monitor,
                        a.kind,
                        a.severity,
                        a.sentence,
                        json.dumps(a.to_json()),
                        now,
                    ]
                    for a in fresh
                ],
            )
    return fresh


def acknowledged_days(warehouse: Warehouse) -> dict[str, set[date]]:
    """monitor → the days a person marked as expected (left out of its bands); a mix's
    acknowledgement counts for its monitor too."""
    days: dict[str, set[date]] = {}
    for monitor, day in warehouse.query(
        f"select monitor, run_day from {TABLE} where acked_at is not null"
    ):
        base = str(monitor).removesuffix(".mix")
        days.setdefault(base, set()).add(_day(day))
    return days


def recorded_anomalies(
    warehouse: Warehouse, since: date | None = None, acked: bool | None = None
) -> list[Recorded]:
    """The recorded anomalies, newest day first (``acked`` None: both kinds)."""
    where, params = [], []
    if since:
        where.append("run_day >= ?")
        params.append(since)
    if acked is not None:
        where.append("acked_at is not null" if acked else "acked_at is null")
    clause = f"where {' and '.join(where)}" if where else ""
    return [
        Recorded(
            str(r[0]),
            _day(r[1]).isoformat(),
            *map(str, r[2:6]),
            *(None if v is None else str(v) for v in r[6:9]),
        )
        for r in warehouse.query(
            f"select anomaly_id, run_day, monitor, kind, severity, sentence, acked_by, "
            f"ack_reason, acked_at from {TABLE} {clause} "
            "order by run_day desc, severity desc, monitor",
            params,
        )
    ]


def anomaly_detail(warehouse: Warehouse, anomaly_id: str) -> dict[str, Any] | None:
    rows = warehouse.query(f"select detail from {TABLE} where anomaly_id = ?", [anomaly_id])
    return json.loads(rows[0][0]) if rows else None


def acknowledge(warehouse: Warehouse, anomaly_id: str, reason: str) -> Recorded:
    """Mark an anomaly as expected (a sale, a holiday, a known outage), with who and why."""
    if not reason.strip():
        raise AnomalyError("say why the anomaly is expected (--reason)")
    if not re.fullmatch(r"[0-9a-f]{1,16}", anomaly_id):
        raise AnomalyError(
            f"{anomaly_id!r} is not an anomaly id (8 hex digits: `shopsight anomalies list`)"
        )
    matches = [r for r in recorded_anomalies(warehouse) if r.anomaly_id.startswith(anomaly_id)]
    if not matches:
        raise AnomalyError(f"no anomaly with id {anomaly_id!r} (`shopsight anomalies list`)")
    if len(matches) > 1:
        raise AnomalyError(f"{anomaly_id!r} matches {len(matches)} anomalies: give more of it")
    found = matches[0]
    if found.acked:
        raise AnomalyError(
            f"anomaly {found.anomaly_id} was acknowledged by {found.acked_by} on "
            f"{found.acked_at}: {found.ack_reason}"
        )
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with warehouse.transaction():
        warehouse.execute(
            f"update {TABLE} set acked_by = ?, ack_reason = ?, acked_at = ? where anomaly_id = ?",
            [current_user(), reason.strip(), now, found.anomaly_id],
        )
    return recorded_anomalies_by_id(warehouse, found.anomaly_id)


def recorded_anomalies_by_id(warehouse: Warehouse, anomaly_id: str) -> Recorded:
    return next(r for r in recorded_anomalies(warehouse) if r.anomaly_id == anomaly_id)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
