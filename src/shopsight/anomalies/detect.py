"""Find the day's anomalies: each monitor's value against its band, and the parts that
explain a move (docs/anomalies.md).

A mart monitor's value for a day is the sum of its numerator over the parts (divided by the
sum of its denominator, for a rate). When the value leaves the band, every part's own usual
value (the same weekday's median) gives its share of the move: "net revenue -48 % vs the
usual Tuesday: category Footwear -95 % (explains 91 % of the drop)". A monitor with `mix`
also watches each part's share of the day's total, which catches a part that vanished or
flooded in while the total stayed within its band. A landed table is watched for its rows
per file day, and a table delivered every day whose file has no rows is an anomaly from the
first day, with or without history.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from shopsight.anomalies.band import Band, BandRule, draw_band
from shopsight.anomalies.monitors import MartMonitor, Monitors
from shopsight.anomalies.profile import ROWS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIX_RULE_FLOOR = 0.05  # a part's share must move by at least 5 points to be an anomaly
CHANCE = 0.001  # a counted part's drop more likely than this by chance is not an anomaly
EXPLAINED = 0.8  # the drill-down names parts until they explain this share of the move
MAX_PARTS = 3
SPREAD = 0.4  # a move whose largest part explains less than this is spread over every part


@dataclass(frozen=True)
class Part:
    """One value of the monitor's dimension, and its share of the day's move."""

    name: str
    value: float
    expected: float
    explains: float  # share of the total move (0.91: 91 %)

    @property
    def change(self) -> float | None:
        return None if self.expected == 0 else self.value / self.expected - 1


@dataclass
class Anomaly:
    day: date
    monitor: str  # the monitor's name; `<name>.mix` for its mix, `landed.<table>` for a table
    kind: str  # drop | rise | empty | mix
    severity: str  # warn | red
    sentence: str
    value: float
    expected: float | None = None
    low: float | None = None
    high: float | None = None
    parts: list[Part] = field(default_factory=list)
    series: list[tuple[str, float]] = field(default_factory=list)  # the window, for a chart

    @property
    def anomaly_id(self) -> str:
        key = f"{self.day.isoformat()}|{self.monitor}"
        return hashlib.sha256(key.encode()).hexdigest()[:8]

    def to_json(self) -> dict[str, Any]:
        value = asdict(self)
        value.update(anomaly_id=self.anomaly_id, day=self.day.isoformat())
        return value


Rows = list[tuple[Any, ...]]  # (day, part, numerator[, denominator])


def judge_mart(
    monitor: MartMonitor,
    rows: Rows,
    day: date,
    excluded: set[date],
    learning: list[str] | None = None,
) -> list[Anomaly]:
    """The monitor's anomalies on ``day`` from its query's rows over the window (days in
    ``excluded``, acknowledged or incomplete, are left out of the band). A monitor with too
    little history to draw a band is appended to ``learning``: it did not judge the day."""
    numerators: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    denominators: dict[date, float] = defaultdict(float)
    rate = False
    for row in rows:
        row_day, part, numerator = _day(row[0]), str(row[1]), float(row[2] or 0)
        numerators[row_day][part] += numerator
        if len(row) > 3:
            rate = True
            denominators[row_day] += float(row[3] or 0)
    if not numerators:
        if learning is not None:
            learning.append(monitor.name)
        return []
    days = _window_days(min(numerators), day, monitor.rule, excluded)
    values = {d: _value(numerators.get(d, {}), denominators.get(d, 0.0), rate) for d in days}
    history = {d: v for d, v in values.items() if v is not None and d != day}
    today = _value(numerators.get(day, {}), denominators.get(day, 0.0), rate)
    found: list[Anomaly] = []
    band = draw_band(history, day, monitor.rule)
    if band is None and learning is not None:
        learning.append(monitor.name)
    if band and rate and monitor.rule.scale == "absolute":
        band = _sampling_floor(band, denominators.get(day, 0.0), monitor.rule.sigmas)
    if monitor.total and today is not None and band and not band.holds(today):
        parts = [] if rate else _explain(numerators, history, day, today - band.expected)
        found.append(
            _anomaly(
                monitor.name,
                monitor.title,
                monitor.by,
                monitor.severity,
                day,
                today,
                band,
                parts,
                values,
                monitor.rule.scale,
            )
        )
    if monitor.mix and not rate:
        mix = _mix(monitor, numerators, history, day)
        if mix:
            found.append(mix)
    return found


def judge_landed(
    monitors: Monitors,
    table: str,
    rows_by_day: dict[date, int],
    empty_days: set[date],
    day: date,
    excluded: set[date],
) -> list[Anomaly]:
    """A landed table's rows on ``day`` (a file day) against its band; an empty file of a
    table delivered every day, whatever the history."""
    name = f"landed.{table}"
    severity = monitors.landed_severity
    if day in empty_days and table in monitors.daily_tables:
        return [
            Anomaly(
                day,
                name,
                "empty",
                severity,
                f"{table} delivered no rows for {day} (a file with a header only): "
                "it is delivered every day",
                0.0,
            )
        ]
    if day not in rows_by_day or table not in monitors.daily_tables:
        return []  # dimension tables send deltas: an empty or small one is usual
    history = {d: float(v) for d, v in rows_by_day.items() if d not in excluded and d != day}
    band = draw_band(history, day, monitors.landed_rule)
    value = float(rows_by_day[day])
    if not band or band.holds(value):
        return []
    series = {d: float(v) for d, v in rows_by_day.items() if d <= day}
    return [
        _anomaly(name, f"{table} rows", "table", severity, day, value, band, [], series, "ratio")
    ]


def judge_columns(
    monitors: Monitors,
    table: str,
    shares: dict[date, dict[str, tuple[float, float]]],
    day: date,
    excluded: set[date],
) -> list[Anomaly]:
    """A landed table's column profile on ``day`` (a file day): each measure's share
    (anomalies/profile.py) against the band of its own shares on the usual days, at least
    the binomial spread of the day's rows wide. One anomaly names every column that moved."""
    rule, least = monitors.columns_rule, monitors.columns_min_rows
    today = shares.get(day, {})
    if today.get(ROWS, (0.0, 0.0))[1] < least:
        return []  # too few rows to say what is usual of them
    usual = {
        d: measured
        for d, measured in shares.items()
        if d != day and d not in excluded and measured.get(ROWS, (0.0, 0.0))[1] >= least
    }
    moved: list[tuple[float, str, float, Band, dict[date, float]]] = []
    for measure, (numerator, rows) in sorted(today.items()):
        if measure == ROWS or not rows:
            continue
        value = numerator / rows
        history = {d: m[measure][0] / m[measure][1] for d, m in usual.items() if measure in m}
        if measure.startswith("distinct:"):
            # Distinct values per row move by a share of themselves (more events per visitor
            # on a busy day): judged by ratio. A collapse to one id is far out.
            band = draw_band(history, day, monitors.distinct_rule)
            distance = abs(math.log(max(value, 1e-9) / max(band.expected, 1e-9))) if band else 0
        else:
            band = draw_band(history, day, rule)
            band = band and _sampling_floor(band, rows, rule.sigmas)
            distance = abs(value - band.expected) if band else 0.0
        if band and not band.holds(value):
            moved.append((distance, measure, value, band, history))
    if not moved:
        return []
    moved.sort(key=lambda m: -m[0])
    weekday = WEEKDAYS[day.weekday()]
    total = sum(m[0] for m in moved)
    parts = [
        Part(measure.partition(":")[2], value, band.expected, distance / total)
        for distance, measure, value, band, _ in moved[:MAX_PARTS]
    ]
    words = "; ".join(
        _column_words(measure, value, band.expected, weekday)
        for _, measure, value, band, _ in moved[:MAX_PARTS]
    )
    _, first, value, band, history = moved[0]
    return [
        Anomaly(
            day,
            f"landed.{table}.columns",
            "columns",
            monitors.landed_severity,
            f"{table} columns changed: {words}",
            value,
            band.expected,
            band.low,
            band.high,
            parts,
            [
                (d.isoformat(), v)
                for d, v in sorted({**history, day: value}.items())
                if day - timedelta(days=rule.window_days) <= d <= day
            ],
        )
    ]


def _column_words(measure: str, value: float, usual: float, weekday: str) -> str:
    kind, _, column = measure.partition(":")
    if kind == "distinct":
        return f"{column} {value:.2f} distinct values per row (usual {weekday} {usual:.2f})"
    if kind == "duplicate":
        share, usual_share = _percent(value), _percent(usual)
        return f"{column} repeated in {share} of rows (usual {weekday} {usual_share})"
    share, usual_share = _percent(value), _percent(usual)
    return f"{column} without a value in {share} of rows (usual {weekday} {usual_share})"


def _sampling_floor(band: Band, trials: float, sigmas: float) -> Band:
    """A rate of few trials (a small web shop's 60 sessions) moves by chance alone: the band
    is at least ``sigmas`` binomial standard deviations of the day's own count wide."""
    p = min(max(band.expected, 0.0), 1.0)  # a trend can carry a share's centre past 0 or 1
    width = sigmas * math.sqrt(p * (1 - p) / trials) if trials > 0 else 0.0
    return Band(p, min(band.low, p - width), max(band.high, p + width), band.days)


def _window_days(first_seen: date, day: date, rule: BandRule, excluded: set[date]) -> list[date]:
    start = max(first_seen, day - timedelta(days=rule.window_days))
    count = (day - start).days
    return [
        start + timedelta(days=n)
        for n in range(count + 1)
        if start + timedelta(days=n) not in excluded or start + timedelta(days=n) == day
    ]


def _value(parts: dict[str, float], denominator: float, rate: bool) -> float | None:
    total = sum(parts.values())
    if not rate:
        return total
    return total / denominator if denominator else None


def _explain(
    numerators: dict[date, dict[str, float]],
    history: dict[date, float],
    day: date,
    move: float,
) -> list[Part]:
    """The parts that explain most of the move, largest first."""
    same = [d for d in history if d.weekday() == day.weekday()]
    names = set(numerators.get(day, {})) | {p for d in same for p in numerators.get(d, {})}
    deltas = []
    for name in names:
        expected = median(numerators.get(d, {}).get(name, 0.0) for d in same) if same else 0.0
        value = numerators.get(day, {}).get(name, 0.0)
        deltas.append((name, value, expected, value - expected))
    moving = sorted((d for d in deltas if d[3] * move > 0), key=lambda d: -abs(d[3]))
    total = sum(d[3] for d in moving)
    parts: list[Part] = []
    for name, value, expected, delta in moving[:MAX_PARTS]:
        parts.append(Part(name, value, expected, delta / total if total else 0.0))
        if sum(p.explains for p in parts) >= EXPLAINED:
            break
    return parts


def _mix(
    monitor: MartMonitor,
    numerators: dict[date, dict[str, float]],
    history: dict[date, float],
    day: date,
) -> Anomaly | None:
    """Each part's share of the day's total against the band of its own shares."""

    totals = {d: sum(parts.values()) for d, parts in numerators.items()}

    def share(d: date, name: str) -> float:
        total = totals.get(d, 0.0)
        return numerators[d].get(name, 0.0) / total if total else 0.0

    if not totals.get(day):
        return None
    rule = BandRule(
        window_days=monitor.rule.window_days,
        min_same_weekday=monitor.rule.min_same_weekday,
        min_days=monitor.rule.min_days,
        sigmas=monitor.rule.sigmas,
        scale="absolute",
        floor=MIX_RULE_FLOOR,
    )
    if monitor.mix == "vanish":
        usual: dict[str, float] = defaultdict(float)
        for d in history:
            for name in numerators.get(d, {}):
                usual[name] += share(d, name) / len(history)
        candidates = {n for n, s in usual.items() if s >= monitor.min_share}
    else:
        candidates = {n for n in numerators[day] if share(day, n) >= monitor.min_share}
    moved: list[tuple[float, Part, Band]] = []
    for name in candidates:
        band = draw_band({d: share(d, name) for d in history}, day, rule)
        today = share(day, name)
        if (
            band
            and (
                (not band.holds(today) and _moved(monitor.mix, today, band.expected))
                or (
                    monitor.mix == "vanish"
                    and _gone(name, today, band.expected, numerators, history)
                )
            )
            and not (
                monitor.counts
                and _by_chance(numerators[day].get(name, 0.0), band.expected * totals[day])
            )
        ):
            moved.append((abs(today - band.expected), Part(name, today, band.expected, 0.0), band))
    if not moved:
        return None
    moved.sort(key=lambda m: -m[0])
    biggest = moved[0][2]
    words = "; ".join(
        f"{monitor.by} {p.name} {_percent(p.value)} of the total (usual "
        f"{WEEKDAYS[day.weekday()]} {_percent(p.expected)})"
        for _, p, _ in moved[:MAX_PARTS]
    )
    total_moved = sum(m[0] for m in moved)
    parts = [Part(p.name, p.value, p.expected, m / total_moved) for m, p, _ in moved[:MAX_PARTS]]
    return Anomaly(
        day,
        f"{monitor.name}.mix",
        "mix",
        monitor.severity,
        f"{monitor.title} by {monitor.by} changed its mix: {words}",
        moved[0][1].value,
        biggest.expected,
        biggest.low,
        biggest.high,
        parts,
        # The chart's series: the part's share of each day, the band is the share's.
        [(d.isoformat(), share(d, moved[0][1].name)) for d in sorted([*history, day])],
    )


def _gone(
    name: str,
    share: float,
    usual: float,
    numerators: dict[date, dict[str, float]],
    history: dict[date, float],
) -> bool:
    """A part that was there on every day of the window and is (nearly) gone today: an
    anomaly even inside a band that a lumpy part (a few big orders) makes wide."""
    return share <= usual / 10 and all(numerators.get(d, {}).get(name, 0) > 0 for d in history)


def _by_chance(count: float, expected: float) -> bool:
    """A count this low happens by chance more often than ``CHANCE`` when ``expected`` is
    its usual (Poisson: P(X <= count)). A country of 3 orders on a usual day has none on 5 %
    of days; one of 9 has 2 or fewer on 0.6 %; one of 15 has none on 0.00003 %."""
    if expected <= 0:
        return True
    tail = sum(
        math.exp(k * math.log(expected) - expected - math.lgamma(k + 1))
        for k in range(int(count) + 1)
    )
    return tail > CHANCE


def _moved(watch: str | None, share: float, usual: float) -> bool:
    """``vanish``: a part at half its usual share or less (a category or a traffic source
    gone); ``flood``: more than twice it and 5 points more (one customer flooding in). Not
    a part's usual wobble on a small store, which the band alone would flag."""
    if watch == "vanish":
        return share <= usual / 2
    return share >= 2 * usual + MIX_RULE_FLOOR


def _anomaly(
    name: str,
    title: str,
    by: str,
    severity: str,
    day: date,
    value: float,
    band: Band,
    parts: list[Part],
    values: dict[date, Any],
    scale: str,
) -> Anomaly:
    kind = "drop" if value < band.low else "rise"
    weekday = WEEKDAYS[day.weekday()]
    if scale == "ratio":
        change = band.change(value)
        moved = f"{_signed(change)} vs the usual {weekday}" if change is not None else "moved"
        figures = f"{_number(value)} against {_number(band.expected)}"
    else:
        moved = f"{_points(value - band.expected)} vs the usual {weekday}"
        figures = f"{_percent(value)} against {_percent(band.expected)}"
    sentence = f"{title} {moved} ({figures})"
    if parts and parts[0].explains < SPREAD:
        first = parts[0]
        sentence += (
            f": spread over every {by} (the largest, {first.name}, explains "
            f"{_percent(first.explains)} of the {kind})"
        )
    elif parts:
        sentence += ": " + ", ".join(
            f"{by} {p.name} {_signed(p.change) if p.change is not None else 'new'} "
            f"(explains {_percent(p.explains)} of the {kind})"
            for p in parts
        )
    series = [(d.isoformat(), float(v)) for d, v in sorted(values.items()) if v is not None]
    return Anomaly(
        day,
        name,
        kind,
        severity,
        sentence,
        value,
        band.expected,
        band.low,
        band.high,
        parts,
        series,
    )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _signed(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:+.0f} %"


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _points(difference: float) -> str:
    return f"{difference * 100:+.1f} points"


def _number(value: float) -> str:
    return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"
