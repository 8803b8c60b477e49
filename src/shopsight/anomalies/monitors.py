"""The monitors, declared once (monitors.yaml, or the file SHOPSIGHT_MONITORS names): read
by the daily run's `anomalies` step, the DAG's task of the same name, and
`shopsight anomalies check`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from shopsight.anomalies.band import BandRule

SEVERITIES = ("warn", "red")
_RULE_KEYS = {f.name for f in fields(BandRule)}
_MART_KEYS = {
    "name",
    "title",
    "by",
    "sql",
    "mix",
    "total",
    "severity",
    "min_share",
    "counts",
} | _RULE_KEYS


class MonitorError(ValueError):
    """The monitors file cannot be used (one line: the file, the monitor, what is wrong)."""


@dataclass(frozen=True)
class MartMonitor:
    """A measure of the marts per day and part (docs/anomalies.md)."""

    name: str
    title: str
    by: str
    sql: str
    rule: BandRule
    mix: str | None = None  # vanish | flood: watch each part's share of the total
    total: bool = True  # False: only the mix is watched (the total is another monitor's)
    severity: str = "warn"
    min_share: float = 0.03  # the mix watches parts at least this share of a usual day
    # The numerator counts things (orders): a part's drop must also be improbable by chance
    # for a count expected that often (Poisson), which a small store's parts are not.
    counts: bool = False


@dataclass(frozen=True)
class Monitors:
    marts: list[MartMonitor]
    landed_rule: BandRule
    daily_tables: list[str] = field(default_factory=list)
    landed_severity: str = "warn"
    # Every landed table's column profile (anomalies/profile.py): shares, so absolute.
    columns_rule: BandRule = BandRule(scale="absolute", floor=0.05)
    columns_min_rows: int = 30  # a file day with fewer rows is neither judged nor usual
    # Distinct values per row move by a share of themselves: a ratio, at least half or double.
    distinct_rule: BandRule = BandRule(scale="ratio", floor=1.0)


def load_monitors(path: str | None = None) -> Monitors:
    """The declared monitors (the shipped file when ``path`` is None)."""
    if path:
        where = Path(path)
        try:
            text = where.read_text(encoding="utf-8")
        except OSError as error:
            raise MonitorError(
                f"{where}: cannot read the monitors file ({error.strerror})"
            ) from None
    else:
        where = Path("monitors.yaml")
        text = resources.files("shopsight.anomalies").joinpath("monitors.yaml").read_text()
    try:
        declared = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise MonitorError(f"{where}:{at} not valid YAML") from None
    if not isinstance(declared, dict):
        raise MonitorError(f"{where}: expected a mapping with defaults, landed and marts")
    defaults = _mapping(declared.get("defaults"), where, "defaults")
    landed = _mapping(declared.get("landed"), where, "landed")
    columns = _mapping(landed.get("columns"), where, "landed.columns")
    base = {k: v for k, v in defaults.items() if k in _RULE_KEYS}
    severity = _severity(defaults.get("severity", "warn"), where, "defaults")
    marts = [_mart(m, base, severity, where) for m in declared.get("marts") or []]
    names = [m.name for m in marts]
    if len(set(names)) != len(names):
        raise MonitorError(f"{where}: two monitors share a name")
    return Monitors(
        marts=marts,
        landed_rule=_rule(
            {**base, **{k: v for k, v in landed.items() if k in _RULE_KEYS}}, where, "landed"
        ),
        daily_tables=[str(t) for t in landed.get("daily_tables") or []],
        landed_severity=_severity(landed.get("severity", severity), where, "landed"),
        columns_rule=_rule(
            {**base, "floor": 0.05, **_rule_keys(columns), "scale": "absolute"},
            where,
            "landed.columns",
        ),
        columns_min_rows=_count(columns.get("min_rows", 30), where, "landed.columns min_rows"),
        distinct_rule=_rule(
            {**base, **_rule_keys(columns), "floor": columns.get("distinct_floor", 1.0)},
            where,
            "landed.columns distinct_floor",
        ),
    )


def _rule_keys(declared: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in declared.items() if k in _RULE_KEYS}


def _count(value: Any, where: Path, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MonitorError(f"{where}: {name}: expected a whole number of at least 1")
    return value


def _mart(value: Any, base: dict[str, Any], severity: str, where: Path) -> MartMonitor:
    declared = _mapping(value, where, "marts")
    name = str(declared.get("name") or "")
    if not name or not declared.get("sql"):
        raise MonitorError(f"{where}: monitor {name or '(unnamed)'}: needs a name and sql")
    unknown = set(declared) - _MART_KEYS
    if unknown:
        raise MonitorError(f"{where}: monitor {name}: unknown key {sorted(unknown)[0]}")
    rule = _rule({**base, **{k: v for k, v in declared.items() if k in _RULE_KEYS}}, where, name)
    return MartMonitor(
        name=name,
        title=str(declared.get("title") or name.replace("_", " ")),
        by=str(declared.get("by") or "part"),
        sql=str(declared["sql"]),
        rule=rule,
        mix=_mix(declared.get("mix"), where, name),
        total=bool(declared.get("total", True)),
        severity=_severity(declared.get("severity", severity), where, name),
        min_share=float(declared.get("min_share", 0.03)),
        counts=bool(declared.get("counts", False)),
    )


def _rule(values: dict[str, Any], where: Path, name: str) -> BandRule:
    try:
        rule = BandRule(**values)
        for number in ("window_days", "min_same_weekday", "min_days", "sigmas", "floor"):
            float(getattr(rule, number))
    except (TypeError, ValueError):
        raise MonitorError(f"{where}: monitor {name}: a band setting is not a number") from None
    if rule.scale not in ("ratio", "absolute"):
        raise MonitorError(f"{where}: monitor {name}: scale must be ratio or absolute")
    if rule.window_days < 7 or rule.min_same_weekday < 1:
        raise MonitorError(f"{where}: monitor {name}: the window needs at least 7 days")
    return rule


def _mix(value: Any, where: Path, name: str) -> str | None:
    if value in (None, False):
        return None
    if value not in ("vanish", "flood"):
        raise MonitorError(f"{where}: monitor {name}: mix must be vanish or flood")
    return str(value)


def _severity(value: Any, where: Path, name: str) -> str:
    if value not in SEVERITIES:
        raise MonitorError(f"{where}: monitor {name}: severity must be warn or red")
    return str(value)


def _mapping(value: Any, where: Path, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MonitorError(f"{where}: {name}: expected a mapping")
    return value
