"""The usual value of a day, and how far from it a day may be before it is an anomaly.

A day is compared with the same weekday over a trailing window (default 28 days: the four
previous Tuesdays for a Tuesday), because stores sell by weekday, and stores grow:

1. **Trend.** The slope is the median of the slopes between every two days of the same
   weekday in the window (Theil-Sen on same-weekday pairs, so the weekly pattern cancels
   out); each day is moved to the checked day along it.
2. **Centre.** The median of the moved values of the same weekday.
3. **Width.** The median absolute deviation (MAD) of every moved day from the median of
   the other days of its weekday, times 1.4826 (a standard deviation on normal data),
   times `sigmas`.

Medians ignore the outliers already in the window (an earlier bad day moves neither the
slope, the centre nor the width much), and days a person marked as expected (`shopsight
anomalies ack`) or that are incomplete are left out.

Money and counts vary by ratio (a busy Saturday moves by a share of itself), so their
deviations are measured as log ratios; rates (a share, a conversion) as differences. A
floor on the width keeps a very steady series from alerting on a change too small to
matter. A series with too little history has no band: it is learning, and never alerts. By
ratio, days at zero are not usual days (a new feed's first days): they leave the window;
and a series whose trend doubles or halves it within the window is ramping, not at a
level its trend can carry a week: its band also takes in the window's whole range,
widened by the floor.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

MAD_TO_SIGMA = 1.4826
# By ratio, a series whose trend doubles or halves it within the window is ramping (a new
# feed's first weeks): its trend cannot be carried forward a week (_with_the_whole_window).
RAMP = 2.0


@dataclass(frozen=True)
class BandRule:
    """How a monitor's band is drawn (the defaults, documented in docs/anomalies.md)."""

    window_days: int = 28
    min_same_weekday: int = 3  # same-weekday days the centre needs
    min_days: int = 14  # days the width needs
    sigmas: float = 4.0  # the band's half-width in robust standard deviations
    scale: str = "ratio"  # ratio (money, counts) | absolute (rates)
    floor: float = 0.10  # the least half-width: a share of the centre, or an absolute amount


@dataclass(frozen=True)
class Band:
    expected: float  # the usual value: the median of the same weekday
    low: float
    high: float
    days: int  # how many days of the window it rests on

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def change(self, value: float) -> float | None:
        """The day's change against the usual value, as a share (-0.48: 48 % below)."""
        return None if self.expected == 0 else value / self.expected - 1


def draw_band(history: dict[date, float], day: date, rule: BandRule = BandRule()) -> Band | None:
    """The band for ``day`` from the days before it in ``history`` (already without the
    acknowledged and incomplete days); None while the history is too short."""
    first = day - timedelta(days=rule.window_days)
    ratio = rule.scale == "ratio"
    # By ratio, a day at zero has no usual value (its log is minus infinity): a new feed's
    # first days, or an empty day flagged on its own. It leaves the window.
    window = {d: v for d, v in history.items() if first <= d < day and (v > 0 or not ratio)}
    same = [d for d in window if d.weekday() == day.weekday()]
    if len(same) < rule.min_same_weekday or len(window) < rule.min_days:
        return None
    level = {d: math.log(v) if ratio else v for d, v in window.items()}
    slope = _same_weekday_slope(level)
    moved = {d: y + slope * (day - d).days for d, y in level.items()}
    centre = median(moved[d] for d in same)
    spread = MAD_TO_SIGMA * _mad(_leave_one_out_residuals(moved))
    if ratio:
        width = max(spread * rule.sigmas, math.log1p(rule.floor))
        expected = math.exp(centre)
        band = Band(expected, math.exp(centre - width), math.exp(centre + width), len(window))
        if abs(slope) * rule.window_days > math.log(RAMP):
            return _with_the_whole_window(band, window, rule)
        return band
    width = max(spread * rule.sigmas, rule.floor)
    return Band(centre, centre - width, centre + width, len(window))


def _with_the_whole_window(band: Band, window: dict[date, float], rule: BandRule) -> Band:
    """A ramping series is at no level its trend can carry a week (a young feed slows
    down): its band also takes in everything the window saw, widened by the floor. Only a
    day outside both alerts: a collapse to zero, a hundredfold jump, a rise past the trend."""
    widen = 1 + rule.floor
    return Band(
        band.expected,
        min(band.low, min(window.values()) / widen),
        max(band.high, max(window.values()) * widen),
        band.days,
    )


def _leave_one_out_residuals(moved: dict[date, float]) -> list[float]:
    """Each day's distance from the median of the other days of its weekday. (From a
    median that includes the day itself, two of four residuals are near zero, and the
    width would come out too narrow.)"""
    weekdays = _by_weekday(moved)
    residuals = []
    for day, value in moved.items():
        others = [v for d, v in weekdays[day.weekday()] if d != day]
        if others:
            residuals.append(value - median(others))
    return residuals


def _same_weekday_slope(level: dict[date, float]) -> float:
    """The median slope (per day) between two days of the same weekday: 0 without pairs."""
    slopes = [
        (level[b] - level[a]) / (b - a).days
        for days in _by_weekday(level).values()
        for a, _ in days
        for b, _ in days
        if a < b
    ]
    return median(slopes) if slopes else 0.0


def _by_weekday(values: dict[date, float]) -> dict[int, list[tuple[date, float]]]:
    """The days and their values, by weekday (each day compared only with its own)."""
    weekdays: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for day, value in values.items():
        weekdays[day.weekday()].append((day, value))
    return weekdays


def _mad(values: list[float]) -> float:
    centre = median(values)
    return median(abs(v - centre) for v in values)
