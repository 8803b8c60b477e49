"""The landed tables' column profiles, per file day: how many rows hold no value (null, or
only blanks) in each column that can, and how many distinct values each key column holds.

A profile is computed once per table and file day from the validated history (the rows of
loaded files only: a withdrawn file's rows leave it) and kept in
`shopsight_ops.landed_profiles` with a marker of that day's loaded files. A check reads the
kept profiles of its window and computes only the days whose files changed since, so its
cost follows the day's files, not the history (docs/anomalies.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from shopsight.contracts.ddl import history_table
from shopsight.contracts.model import ContractError, Table, load_contract
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse

PROFILES = f"{OPS_SCHEMA}.landed_profiles"
PROFILE_COLUMNS = ["table_name", "file_dt", "marker", "measure", "numerator", "denominator"]
ROWS = "rows"  # every day's profile has its row count (an empty file's day: 0 of 0)
TEXT_TYPES = ("varchar", "text")

# One measure's share for one file day: numerator rows (or distinct values) of rows.
Shares = dict[date, dict[str, tuple[float, float]]]


@dataclass(frozen=True)
class Measure:
    """One column's measure on a file day, over its rows:

    - `empty`: the rows without a value (a share: a tracking tag that stopped sending it);
    - `duplicate`: the rows repeating a primary key another row of the day has (a share:
      an export that repeats rows);
    - `distinct`: the distinct values of a foreign key per row (the day's customers or
      products per order; it collapses when an export repeats one id).
    """

    kind: str
    column: str

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.column}"

    def sql(self, column_type: str) -> str:
        quoted = f'"{self.column}"'
        if self.kind == "distinct":
            return f"count(distinct {quoted})"
        if self.kind == "duplicate":
            return f"count(*) - count(distinct {quoted})"
        blank = f" or trim({quoted}) = ''" if column_type.startswith(TEXT_TYPES) else ""
        return f"sum(case when {quoted} is null{blank} then 1 else 0 end)"


def measures(table: Table) -> list[Measure]:
    """What is profiled: every column that can be empty (declared nullable, or text, which
    may hold blanks) but a timestamp, a single-column primary key's repeats, every foreign
    key's values. A nullable timestamp (shipped_at, returned_at) is empty until its event
    happens: its share follows the day's mix of new and updated rows, not the data's health."""
    found = [
        Measure("empty", column.name)
        for column in table.columns
        if (column.nullable and column.base_type != "timestamp")
        or column.type.startswith(TEXT_TYPES)
    ]
    if len(table.primary_key) == 1:
        found.append(Measure("duplicate", table.primary_key[0]))
    keys = dict.fromkeys(key.column for key in table.foreign_keys)
    return found + [Measure("distinct", key) for key in keys]


def contract_table(qualified: str) -> Table | None:
    """The contract's table for `source.table` (None: a source without a contract)."""
    source, _, name = qualified.partition(".")
    try:
        return load_contract(source).tables.get(name)
    except (ContractError, FileNotFoundError, OSError):
        return None


def profiles(warehouse: Warehouse, qualified: str, first: date, last: date) -> Shares:
    """Every measure of ``qualified`` (`source.table`) per file day from ``first`` to
    ``last``: (numerator, rows). Days whose loaded files changed since they were profiled
    are profiled again; the others are read as kept."""
    table = contract_table(qualified)
    if table is None:
        return {}
    source = qualified.partition(".")[0]
    # The day's loaded files, and what is measured of them (a new measure profiles again).
    measured = hashlib.sha256(" ".join(m.name for m in measures(table)).encode()).hexdigest()
    markers = {
        _day(file_dt): f"{marker}:{measured[:8]}"
        for file_dt, marker in warehouse.query(
            "select file_dt, md5(string_agg(ingest_id || '/' || cast(rows_loaded as varchar), "
            f"',' order by ingest_id)) from {OPS_SCHEMA}.ingest_ledger "
            "where status = 'loaded' and source || '.' || table_name = ? "
            "and file_dt between ? and ? group by file_dt",
            [qualified, first, last],
        )
    }
    kept: Shares = {}
    kept_marker: dict[date, str] = {}
    for file_dt, marker, measure, numerator, rows in warehouse.query(
        f"select file_dt, marker, measure, numerator, denominator from {PROFILES} "
        "where table_name = ? and file_dt between ? and ?",
        [qualified, first, last],
    ):
        day = _day(file_dt)
        kept_marker[day] = str(marker)
        kept.setdefault(day, {})[str(measure)] = (float(numerator), float(rows))
    stale = sorted(d for d, marker in markers.items() if kept_marker.get(d) != marker)
    if stale:
        fresh = _profile(warehouse, source, table, stale)
        _keep(warehouse, qualified, {d: markers[d] for d in stale}, fresh)
        kept.update(fresh)
    return {d: kept.get(d, {}) for d in markers}


def _profile(warehouse: Warehouse, source: str, table: Table, days: list[date]) -> Shares:
    chosen = measures(table)
    types = {column.name: column.type for column in table.columns}
    columns = ", ".join(m.sql(types[m.column]) for m in chosen)
    placeholders = ", ".join("?" for _ in days)
    rows = warehouse.query(
        f"select _file_dt, count(*){', ' + columns if columns else ''} "
        f"from {source}.{history_table(table)} "
        f"where _file_dt between ? and ? and _file_dt in ({placeholders}) "
        f"and _ingest_id in (select ingest_id from {OPS_SCHEMA}.ingest_ledger "
        "where status = 'loaded' and source = ? and table_name = ?) group by _file_dt",
        [days[0], days[-1], *days, source, table.name],
    )
    found: Shares = {day: {ROWS: (0.0, 0.0)} for day in days}  # files without a row
    for row in rows:
        count = float(row[1])
        found[_day(row[0])] = {ROWS: (count, count)} | {
            m.name: (float(value or 0), count) for m, value in zip(chosen, row[2:], strict=True)
        }
    return found


def _keep(warehouse: Warehouse, qualified: str, markers: dict[date, str], fresh: Shares) -> None:
    days = list(markers)
    placeholders = ", ".join("?" for _ in days)
    rows = [
        (qualified, day, markers[day], measure, numerator, count)
        for day in days
        for measure, (numerator, count) in fresh[day].items()
    ]
    with warehouse.transaction():
        warehouse.execute(
            f"delete from {PROFILES} where table_name = ? and file_dt in ({placeholders})",
            [qualified, *days],
        )
        warehouse.insert_rows(PROFILES, PROFILE_COLUMNS, rows)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
