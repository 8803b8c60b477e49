"""What the last successful build saw, so the next one builds only what changed.

Every dbt source table has a *marker*: a small value that changes whenever its rows may have
(for a landed table, its files in the ingest ledger; for the ops tables and the loyalty
scores, their counts and fingerprints). A build records the markers it started from, with a
hash of the dbt project and the vars it ran with, in ``shopsight_ops.build_state``, one row
per selection (``all``, or a pipeline layer). The next build of the same selection:

- rebuilds everything when the project changed, or when there is no record (first build);
  a changed project also asks for a full refresh (``project_changed``: the incremental
  models would keep the rows the old code wrote);
- is skipped when no marker and no var changed ("nothing new");
- otherwise selects the models and tests downstream of the changed source tables, and of
  the models that read a changed var (``var('name'`` in their SQL), and scopes their data
  tests to the rows loaded since the last build started (``BuildPlan.tests_loaded_after``,
  handed to dbt by build.py and read by dbt/macros/get_where_subquery.sql);
- builds and tests everything, unscoped, when the last full test pass is older than
  ``SHOPSIGHT_FULL_TEST_DAYS`` (7), and on demand (``--all-tests``).

Markers are read before dbt starts: rows loaded while it runs count as new next time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse

STATE_TABLE = f"{OPS_SCHEMA}.build_state"
STATE_DDL = f"""
create table if not exists {STATE_TABLE} (
    selection varchar(512) primary key,
    project_hash varchar(64) not null,
    dbt_vars text not null,
    markers text not null,
    started_at timestamp not null,
    full_tests_at timestamp
)"""
# The dbt project the marts were last built with, whole (project_changed).
PROJECT_TABLE = f"{OPS_SCHEMA}.built_project"
PROJECT_DDL = f"""
create table if not exists {PROJECT_TABLE} (
    project_hash varchar(64) not null,
    built_at timestamp not null
)"""
# Source tables no file load changes: what marks a change in each.
OWN_MARKERS = {
    "shopsight_ops.ingest_ledger": (
        f"select count(*), max(finished_at), sum(case when status = 'loaded' then 1 else 0 end) "
        f"from {OPS_SCHEMA}.ingest_ledger"
    ),
    "shopsight_ops.quarantine": (
        f"select count(*), count(readmitted_in) from {OPS_SCHEMA}.quarantine"
    ),
    "shopsight_ops.accepted_problems": (
        f"select count(*), max(accepted_at) from {OPS_SCHEMA}.accepted_problems"
    ),
    "transactions.loyalty_scores": (
        "select count(*), min(fingerprint), max(fingerprint) "
        "from transactions.loyalty_scores_source"
    ),
}


@dataclass
class BuildPlan:
    """What a build will do: everything, nothing, or only what changed (and why)."""

    selection: str
    markers: dict[str, str]
    project_hash: str
    dbt_vars: dict[str, Any]
    everything: bool = True
    reason: str = "first build"
    changed_tables: list[str] = field(default_factory=list)
    changed_vars: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: _now())
    previous_start: datetime | None = None  # the last build's: what is loaded after is new
    full_tests_at: datetime | None = None  # the last build that tested everything, unscoped
    # Each relation's column that says when its rows were loaded ("" for none), for the
    # scoped tests; filled by build.py on DuckDB and PostgreSQL (loaded_at_columns).
    scope_columns: dict[str, str] = field(default_factory=dict)

    @property
    def tests_loaded_after(self) -> datetime | None:
        """Data tests look at rows loaded after this instant (None: at every row)."""
        return None if self.everything else self.previous_start

    @property
    def nothing_new(self) -> bool:
        return not self.everything and not self.changed_tables and not self.changed_vars

    def selectors(self, dbt_dir: Path) -> list[str]:
        """dbt selectors for the changed part (an empty list when nothing changed)."""
        picked = [f"source:{table}+" for table in self.changed_tables]
        picked += [f"{model}+" for model in models_reading_vars(dbt_dir, self.changed_vars)]
        return picked

    def to_json(self) -> dict[str, Any]:
        return {
            "everything": self.everything,
            "reason": self.reason,
            "changed_tables": self.changed_tables,
            "changed_vars": self.changed_vars,
            "tests_loaded_after": _text(self.tests_loaded_after),
            "last_full_test_pass": _text(self.full_tests_at),
        }


def plan_build(
    warehouse: Warehouse,
    selection: str,
    dbt_dir: Path,
    dbt_vars: dict[str, Any],
    full_test_days: int = 7,
) -> BuildPlan:
    """Compare the warehouse's markers, the project and the vars with the last successful
    build of ``selection``."""
    warehouse.execute(STATE_DDL)
    started = _now()  # before the markers: what loads after them is new next time
    markers = read_markers(warehouse, dbt_dir)
    plan = BuildPlan(selection, markers, project_hash(dbt_dir), dbt_vars, started_at=started)
    rows = warehouse.query(
        f"select project_hash, dbt_vars, markers, started_at, full_tests_at "
        f"from {STATE_TABLE} where selection = ?",
        [selection],
    )
    if not rows:
        return plan
    built_hash, built_vars, built_markers, plan.previous_start, plan.full_tests_at = rows[0]
    if built_hash != plan.project_hash:
        plan.reason = "the dbt project changed since the last build"
        return plan
    if plan.full_tests_at is None or plan.started_at - plan.full_tests_at > timedelta(
        days=full_test_days
    ):
        plan.reason = f"the full test pass of every {full_test_days} days is due"
        return plan
    before, after = json.loads(built_markers), plan.markers
    previous_vars = json.loads(built_vars)
    plan.everything = False
    plan.changed_tables = sorted(t for t in after if before.get(t) != after[t])
    plan.changed_vars = sorted(
        name
        for name in set(previous_vars) | set(dbt_vars)
        if previous_vars.get(name) != dbt_vars.get(name)
    )
    if plan.changed_vars and _macros_read(dbt_dir, plan.changed_vars):
        plan.everything, plan.reason = True, "a var the macros read changed"
        return plan
    plan.reason = (
        f"nothing new since the build of {plan.previous_start:%Y-%m-%d %H:%M:%S} UTC"
        if plan.nothing_new
        else "only what is downstream of what changed"
    )
    return plan


# The columns a scoped data test filters on, in the order get_where_subquery.sql prefers.
LOADED_AT_COLUMNS = ("source_loaded_at", "_loaded_at", "loaded_at")


def loaded_at_columns(warehouse: Warehouse) -> dict[str, str]:
    """Every table and view of the warehouse (``schema.name``, lower case) with the column
    its scoped data tests filter on, or "" when it has none: one query before dbt starts,
    instead of one ``describe`` per test inside dbt (decision 0059)."""
    chosen = ", ".join(
        f"max(case when lower(column_name) = '{name}' then '{name}' end)"
        for name in LOADED_AT_COLUMNS
    )
    rows = warehouse.query(
        f"select lower(table_schema), lower(table_name), coalesce({chosen}, '') "
        "from information_schema.columns "
        "where table_catalog = current_database() "
        "and table_schema not in ('information_schema', 'pg_catalog') "
        "group by 1, 2"
    )
    return {f"{schema}.{name}": column for schema, name, column in rows}


def project_changed(warehouse: Warehouse, dbt_dir: Path) -> bool:
    """Whether the marts were last built by another version of the dbt project: an
    incremental build would keep every row the old code wrote, so the next build rebuilds
    in full (decision 0067). Known from the project the last complete build recorded
    (``record_built_project``), else from the daily builds' own records; a warehouse with
    neither has built nothing this could be wrong about."""
    current = project_hash(dbt_dir)
    for table in (PROJECT_TABLE, STATE_TABLE):
        schema, name = table.split(".")
        exists = warehouse.query(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        )[0][0]
        built = (
            {row[0] for row in warehouse.query(f"select project_hash from {table}")}
            if exists
            else set()
        )
        if built:
            return built != {current}
    return False


def record_built_project(warehouse: Warehouse, dbt_dir: Path) -> None:
    """Remember the project a complete build (every layer) has just built the marts with."""
    current = project_hash(dbt_dir)
    warehouse.execute(PROJECT_DDL)
    if [row[0] for row in warehouse.query(f"select project_hash from {PROJECT_TABLE}")] == [
        current
    ]:
        return
    with warehouse.transaction():
        warehouse.execute(f"delete from {PROJECT_TABLE}")
        warehouse.execute(f"insert into {PROJECT_TABLE} values (?, ?)", [current, _now()])


def record_build(warehouse: Warehouse, plan: BuildPlan) -> None:
    """Remember a successful build's starting point for its selection (and, when it built
    and tested everything, that a full test pass ran)."""
    values = [
        plan.selection,
        plan.project_hash,
        json.dumps(plan.dbt_vars, sort_keys=True, default=str),
        json.dumps(plan.markers, sort_keys=True),
        plan.started_at,
        plan.started_at if plan.everything else plan.full_tests_at,
    ]
    with warehouse.transaction():
        warehouse.execute(f"delete from {STATE_TABLE} where selection = ?", [plan.selection])
        warehouse.execute(f"insert into {STATE_TABLE} values (?, ?, ?, ?, ?, ?)", values)


def read_markers(warehouse: Warehouse, dbt_dir: Path) -> dict[str, str]:
    """Each dbt source table's marker (source_tables), as text."""
    markers: dict[str, str] = {}
    # A landed table changes with the files that brought it rows (an empty file does not
    # change it; its day's completeness moves with the ledger's own marker).
    for source, table, status, files, rows, finished in warehouse.query(
        f"select source, table_name, status, count(*), sum(rows_loaded), max(finished_at) "
        f"from {OPS_SCHEMA}.ingest_ledger where rows_loaded > 0 "
        f"group by source, table_name, status order by status"
    ):
        key = f"{source}.{table}"
        markers[key] = markers.get(key, "") + f"{status}:{files}:{rows}:{finished};"
    tables = source_tables(dbt_dir)  # the project's YAML, read once
    for table in tables:
        history = table.removesuffix("_history")
        if table in OWN_MARKERS:
            markers[table] = str(list(warehouse.query(OWN_MARKERS[table])[0]))
        elif history != table:  # a landed table's history moves with its current state
            markers[table] = markers.get(history, "")
        else:
            markers.setdefault(table, "")
    return {table: markers[table] for table in sorted(tables)}


def source_tables(dbt_dir: Path) -> list[str]:
    """``source.table`` for every table the project's sources declare."""
    tables = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: 1.8 s -> 0.1 s
    for path in sorted((dbt_dir / "models").rglob("*.yml")):
        text = path.read_text()
        if "sources:" not in text:  # the models' YAML, most of the bytes, declares none
            continue
        for source in (yaml.load(text, Loader=loader) or {}).get("sources", []) or []:
            tables += [f"{source['name']}.{table['name']}" for table in source.get("tables", [])]
    return tables


def project_hash(dbt_dir: Path) -> str:
    """A hash of every file of the dbt project that shapes what it builds."""
    digest = hashlib.sha256()
    for folder in ("models", "macros", "tests", "seeds", "snapshots", "analyses"):
        for path in sorted((dbt_dir / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(dbt_dir)).encode() + b"\0")
                digest.update(path.read_bytes())
    digest.update((dbt_dir / "dbt_project.yml").read_bytes())
    return digest.hexdigest()


def models_reading_vars(dbt_dir: Path, names: list[str]) -> list[str]:
    """The models whose SQL reads one of these vars."""
    return sorted(
        path.stem
        for path in (dbt_dir / "models").rglob("*.sql")
        if any(_reads(path.read_text(), name) for name in names)
    )


def _macros_read(dbt_dir: Path, names: list[str]) -> bool:
    return any(
        _reads(path.read_text(), name)
        for path in (dbt_dir / "macros").rglob("*.sql")
        for name in names
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat(sep=" ") if moment else None


def _reads(sql: str, name: str) -> bool:
    return f"var('{name}'" in sql or f'var("{name}"' in sql
