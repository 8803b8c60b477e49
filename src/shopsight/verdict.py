"""One verdict per run day, decided once and shown everywhere (run summary, report, alert,
`status`): green, amber or red, with why, and the known gaps a person accepted.

- **red**: an untrusted file is open, the day has orders of unknown revenue that nobody
  accepted, or a data test failed.
- **amber**: the numbers stand, with warnings: a data test warns about rows it has not
  warned about before, or a monitor finds the day unlike its usual weekday (an anomaly,
  docs/anomalies.md; a monitor declared red makes the day red). What was reported on an
  earlier day (a warning, or an earlier day still incomplete, red on its own day) is listed
  as a note, not amber again day after day.
- **green**: neither; accepted gaps (files a person accepted as lost, who, when and why)
  are named as caveats, never hidden, and never make the day red.

The daily run's ``verdict`` step decides it and records it in ``shopsight_ops.day_verdicts``;
the report, the final ``check_trust`` step and ``status`` read that record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.problems import accepted_gaps, open_problems
from shopsight.ingest.warehouse import Warehouse
from shopsight.words import plural

WINDOW_DAYS = 60  # the report's window: earlier incomplete days and accepted gaps in it

HEADLINES = {
    "green": "GREEN. Every step succeeded; the numbers are whole.",
    "amber": "AMBER. The numbers stand, with warnings.",
    "red": "RED. Every step ran, but the data is not whole.",
}


@dataclass
class Verdict:
    """A day's verdict and everything it rests on, in words."""

    day: str | None
    colour: str  # green | amber | red
    reasons: list[str] = field(default_factory=list)  # why red or amber, red first
    caveats: list[str] = field(default_factory=list)  # accepted gaps: known and owned
    notes: list[str] = field(default_factory=list)  # warnings reported on earlier days

    tests: dict[str, int] | None = None  # the build's test outcomes the verdict counted

    @property
    def accepted(self) -> int:
        """How many accepted gaps (files a person accepted as lost) the caveats name."""
        return sum(c.startswith("accepted: ") for c in self.caveats)

    @property
    def headline(self) -> str:
        """The verdict in one sentence (the run summary's first line, the alert's title)."""
        if self.colour == "green" and self.accepted:
            return (
                f"GREEN, with {plural(self.accepted, 'accepted gap')}. Every step succeeded; "
                "the gaps are known and owned (below)."
            )
        return HEADLINES[self.colour]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Verdict:
        return cls(**value)


def judge(
    day: date | None,
    problems: list[str],
    incomplete: dict[date, list[str]],
    accepted_incomplete: dict[date, list[str]],
    gaps: list[str],
    tests: dict[str, int] | None,
    new_warnings: list[str],
    old_warnings: list[str],
    anomalies: Sequence[tuple[str, str]] = (),
    monitor_errors: Sequence[str] = (),
) -> Verdict:
    """The verdict from its inputs (a pure function: every caller decides alike).

    ``anomalies``: (severity, sentence) of what the monitors found and nobody acknowledged;
    severity red makes the day red, warn amber. A monitor that could not run is amber: a
    check that did not happen is not a green one."""
    red = [f"untrusted file: {p}" for p in problems]
    red += [f"anomaly: {sentence}" for severity, sentence in anomalies if severity == "red"]
    red += [f"{day} is incomplete: {r}" for r in incomplete.get(day, [])] if day else []
    failed = (tests or {}).get("fail", 0) + (tests or {}).get("error", 0)
    if failed:
        red.append(f"{plural(failed, 'data test')} failed")
    amber = [f"anomaly: {sentence}" for severity, sentence in anomalies if severity != "red"]
    amber += list(monitor_errors)
    if new_warnings:
        verb = "warns" if len(new_warnings) == 1 else "warn"
        amber.append(f"{plural(len(new_warnings), 'data test')} {verb}: {', '.join(new_warnings)}")
    caveats = [f"accepted: {g}" for g in gaps] + [
        f"{gap_day} is incomplete, accepted as lost: {r}"
        for gap_day, reasons in sorted(accepted_incomplete.items())
        for r in reasons
    ]
    notes = [
        f"{earlier} is still incomplete (red on its own day): {r}"
        for earlier, reasons in sorted(incomplete.items())
        if earlier != day
        for r in reasons
    ] + [f"still warns (reported before): {w}" for w in old_warnings]
    colour = "red" if red else "amber" if amber else "green"
    return Verdict(day.isoformat() if day else None, colour, red + amber, caveats, notes, tests)


def decide_verdict(
    warehouse: Warehouse,
    day: date | None,
    tests: dict[str, int] | None,
    warned: list[tuple[str, int]],
    max_reject_ratio: float | None = None,
    record_warnings: bool = True,
    anomalies: Sequence[tuple[str, str]] = (),
    monitor_errors: Sequence[str] = (),
) -> Verdict:
    """Gather the day's inputs from the warehouse and judge them.

    ``day`` None: the marts hold no day yet, and only the files are judged. ``warned`` are
    this build's warning tests as (name, failing rows). A warning is new on the first day
    it is seen with that many rows (``record_warnings`` remembers it).
    """
    from shopsight.report.data import incomplete_days

    problems = [p.summary for p in open_problems(warehouse, max_reject_ratio)]
    if day is None:
        gaps = [g.summary for g in accepted_gaps(warehouse)]
        warnings = [f"{n}: {r}" for n, r in warned]
        return judge(None, problems, {}, {}, gaps, tests, warnings, [], anomalies, monitor_errors)
    first = day - timedelta(days=WINDOW_DAYS - 1)
    new, old = _split_warnings(warehouse, day, warned, record_warnings)
    return judge(
        day,
        problems,
        incomplete_days(warehouse, first, day),
        incomplete_days(warehouse, first, day, accepted=True),
        [g.summary for g in accepted_gaps(warehouse, first, day)],
        tests,
        new,
        old,
        anomalies,
        monitor_errors,
    )


def _split_warnings(
    warehouse: Warehouse, day: date, warned: list[tuple[str, int]], record: bool
) -> tuple[list[str], list[str]]:
    seen = {
        (str(name), int(rows)): first_day
        for name, rows, first_day in warehouse.query(
            f"select test_name, failing_rows, first_day from {OPS_SCHEMA}.warned_tests"
        )
    }
    new, old, unseen = [], [], []
    for name, rows in warned:
        first_day = seen.get((name, rows))
        text = f"{name}: {plural(rows, 'row')}"
        if first_day is None or _day(first_day) >= day:
            new.append(text)
            if first_day is None:
                unseen.append([name, rows, day])
        else:
            old.append(f"{text} (since {_day(first_day)})")
    if record and unseen:
        with warehouse.transaction():
            warehouse.insert_rows(
                f"{OPS_SCHEMA}.warned_tests", ["test_name", "failing_rows", "first_day"], unseen
            )
    return new, old


def record_verdict(warehouse: Warehouse, verdict: Verdict, run_id: str) -> None:
    """Keep the day's verdict (the latest one of a day is the day's; none without a day)."""
    if verdict.day is None:
        return
    with warehouse.transaction():
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.day_verdicts "
            "(run_day, run_id, colour, verdict, decided_at) values (?, ?, ?, ?, ?)",
            [
                verdict.day,
                run_id,
                verdict.colour,
                json.dumps(verdict.to_json()),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )


def recorded_verdict(warehouse: Warehouse, day: date | None = None) -> Verdict | None:
    """The latest verdict a run recorded for ``day`` (default: for its latest day)."""
    where, params = ("where run_day = ?", [day]) if day else ("", [])
    rows = warehouse.query(
        f"select verdict from {OPS_SCHEMA}.day_verdicts {where} "
        "order by run_day desc, decided_at desc limit 1",
        params,
    )
    return Verdict.from_json(json.loads(rows[0][0])) if rows else None


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
