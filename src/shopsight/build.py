"""Build the warehouse: run the dbt project (``dbt build``) against the configured warehouse.

The dbt profile reads its connection from environment variables; they are derived here from
the one warehouse URL every command uses, so dbt and the CLI never disagree.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from shopsight.build_state import BuildPlan, loaded_at_columns, plan_build, record_build
from shopsight.config import Settings, duckdb_config
from shopsight.dbt_parse import seed_parse, use_parses_across_paths
from shopsight.redact import redact
from shopsight.spark import warehouse as spark
from shopsight.spark.warehouse import is_spark, spark_dir, spark_master

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
# dbt reads the password from this variable only: the DBT_ENV_SECRET_ prefix makes dbt scrub
# its value from every log line and artifact it writes.
PASSWORD_VARIABLE = "DBT_ENV_SECRET_SHOPSIGHT_PG_PASSWORD"
# The instant a daily build's data tests start from (dbt/macros/get_where_subquery.sql).
TESTS_LOADED_AFTER = "SHOPSIGHT_TESTS_LOADED_AFTER"
# Each relation's column those tests filter on, as JSON (BuildPlan.scope_columns).
TESTS_SCOPE_COLUMNS = "SHOPSIGHT_TESTS_SCOPE_COLUMNS"


def dbt_state_dir(warehouse_url: str) -> Path:
    """dbt's working folder for this warehouse, under SHOPSIGHT_STATE_DIR: its target
    (partial parse, a parse's manifest, a build's results) and logs. One per warehouse, so
    two builds of two warehouses never share one, and none is in the checkout (which may be
    read-only).

    The name says which warehouse (never its password), the hash tells apart two with
    the same name."""
    if warehouse_url.startswith("duckdb://"):
        path = warehouse_url[len("duckdb://") :]
        path = path[1:] if path.startswith("/./") else path or ":memory:"
        where = ":memory:" if path == ":memory:" else str(Path(path).resolve())
        label = "duckdb-" + ("memory" if where == ":memory:" else Path(where).stem)
    elif is_spark(warehouse_url):
        where = f"{warehouse_url} {spark_dir()}"
        label = "spark-" + spark_master(warehouse_url).replace("spark://", "")
    else:
        try:
            parts = urlparse(warehouse_url)
            port = parts.port or 5432
        except ValueError as error:  # a port that is not a number, an unclosed [
            raise BuildError(f"warehouse URL {redact(warehouse_url)!r}: {error}") from None
        database = parts.path.lstrip("/") or "postgres"
        where = f"{parts.username}@{parts.hostname}:{port}/{database}"
        label = f"postgres-{parts.hostname}-{port}-{database}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:10]
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:60]
    return Path(Settings().state_dir).expanduser().resolve() / "dbt" / f"{label}-{digest}"


def dbt_target_dir(warehouse_url: str) -> Path:
    """Where dbt keeps this warehouse's partial parse, the manifest of its last `dbt parse`
    and the last build's run_results.json (decision 0029)."""
    return dbt_state_dir(warehouse_url) / "target"


class BuildError(RuntimeError):
    """dbt could not run at all (bad project, unreachable warehouse)."""


@dataclass
class BuildSummary:
    """What a ``dbt build`` did: counts by resource type and status, and what failed."""

    success: bool = False
    seconds: float = 0.0
    models: dict[str, int] = field(default_factory=dict)
    tests: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # tests of severity warn
    skipped: bool = False  # nothing new since the last build (build_state.py)
    plan: dict[str, Any] | None = None  # what changed, when only that was built

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def dbt_environment(warehouse_url: str) -> dict[str, str]:
    """The environment variables dbt/profiles.yml reads, for this warehouse URL."""
    if is_spark(warehouse_url):
        return spark.dbt_environment(warehouse_url)
    if warehouse_url.startswith("duckdb://"):
        path = warehouse_url[len("duckdb://") :]
        path = path[1:] if path.startswith("/./") else path
        resolved = str(Path(path).resolve())
        resources = duckdb_config(Settings(), resolved)
        return {
            "SHOPSIGHT_DBT_TARGET": "duckdb",
            "SHOPSIGHT_DUCKDB_PATH": resolved,
            "SHOPSIGHT_DBT_MEMORY_LIMIT": str(resources["memory_limit"]),
            "SHOPSIGHT_DBT_THREADS": str(resources["threads"]),
            "SHOPSIGHT_DBT_TEMP_DIRECTORY": str(resources["temp_directory"]),
        }
    try:
        parts = urlparse(warehouse_url)
        port = parts.port
    except ValueError as error:
        raise BuildError(f"warehouse URL {redact(warehouse_url)!r}: {error}") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise BuildError(
            f"warehouse URL {redact(warehouse_url)!r} is neither duckdb:// nor postgresql://"
        )
    return {
        "SHOPSIGHT_DBT_TARGET": "postgres",
        "SHOPSIGHT_PG_HOST": parts.hostname or "127.0.0.1",
        "SHOPSIGHT_PG_PORT": str(port or 5432),
        "SHOPSIGHT_PG_USER": unquote(parts.username or "postgres"),
        PASSWORD_VARIABLE: unquote(parts.password or ""),
        "SHOPSIGHT_PG_DATABASE": parts.path.lstrip("/") or "postgres",
        "PGOPTIONS": _without_jit(os.environ.get("PGOPTIONS", "")),
    }


def _without_jit(options: str) -> str:
    """libpq's session options for dbt's connections, with PostgreSQL's JIT compiler off
    unless the user's own ``PGOPTIONS`` says otherwise: a daily build's queries read many
    rows but keep few, and compiling them cost more than it saved (decision 0041)."""
    if "jit" in options:
        return options
    return f"{options} -c jit=off".strip()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(
    warehouse_url: str,
    args: list[str],
    on_event: Callable[[Any], None] | None = None,
    tests_loaded_after: datetime | None = None,
    scope_columns: dict[str, str] | None = None,
) -> Any:
    """Invoke dbt in-process with this warehouse's profile; return dbt's result object.

    The connection reaches dbt through the environment only, and dbt's own files go to the
    warehouse's state folder (:func:`dbt_state_dir`), never to the project. Data tests look
    at the rows loaded after ``tests_loaded_after`` (None: every row;
    dbt/macros/get_where_subquery.sql), by the columns ``scope_columns`` names (a relation
    it does not name is described)."""
    from dbt.cli.main import dbtRunner

    state = dbt_state_dir(warehouse_url)
    use_parses_across_paths()
    seed_parse(state)
    # Only `dbt parse` writes dbt's JSON (the manifest `shopsight docs erd` and the metrics
    # read): every other command would write its 8 MB manifest twice, about 0.5 s each
    # (`build` writes its run_results.json itself).
    quiet = [] if args[:1] == ["parse"] else ["--no-write-json"]
    command = [
        "--no-use-colors", "--log-level", "none", *args, *quiet,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(state / "target"), "--log-path", str(state / "logs"),
    ]  # fmt: skip
    environment = dbt_environment(warehouse_url)
    # Always set, empty for every row: a value left in the caller's environment must not
    # scope a full test pass.
    environment[TESTS_LOADED_AFTER] = (
        tests_loaded_after.isoformat(sep=" ") if tests_loaded_after else ""
    )
    environment[TESTS_SCOPE_COLUMNS] = json.dumps(scope_columns or {}, sort_keys=True)
    with _environment(environment), _invoked_as(command):
        runner = dbtRunner(callbacks=[on_event] if on_event else [])
        return runner.invoke(command)


@contextmanager
def _invoked_as(command: list[str]) -> Iterator[None]:
    """dbt records ``sys.argv`` as the invocation in run_results.json; in-process that is
    ShopSight's own command line, which may carry a warehouse URL with its password. dbt
    sees the dbt command it runs instead."""
    previous = sys.argv
    sys.argv = ["dbt", *command]
    try:
        yield
    finally:
        sys.argv = previous


def prepare_sources(warehouse_url: str) -> None:
    """Create every source's landing tables (empty if nothing landed yet), so the project
    builds whichever sources a warehouse has loaded."""
    from shopsight.contracts.model import load_contract
    from shopsight.contracts.sources import known_sources
    from shopsight.ingest.loader import ensure_schema
    from shopsight.ingest.warehouse import connect
    from shopsight.transforms.loyalty_scores import ensure_scores_table

    warehouse = connect(warehouse_url)
    try:
        for source in known_sources():
            ensure_schema(warehouse, load_contract(source))
        ensure_scores_table(warehouse)
    finally:
        warehouse.close()


def build(
    warehouse_url: str,
    select: list[str] | None = None,
    full_refresh: bool = False,
    on_plan: Callable[[int], None] | None = None,
    on_node: Callable[[str], None] | None = None,
    dbt_vars: dict[str, Any] | None = None,
    changed_only: bool = False,
    all_tests: bool = False,
    refresh_reasons: list[str] | None = None,
) -> BuildSummary:
    """Run ``dbt build`` (models, then their tests) and summarise it.

    With ``changed_only`` (the daily run, and ``shopsight build`` without a selector), only
    what is downstream of the source tables and vars that changed since the last successful
    build of the same selection is built, its data tests look at the rows loaded since, and
    nothing is built when nothing changed (build_state.py); dbt's unit tests are left to the
    test suite. ``all_tests`` builds and tests everything, unit tests included.
    ``refresh_reasons`` say why a full refresh was asked (the plan's reason names them).

    Raises:
        BuildError: dbt failed before building anything (e.g. the project does not parse).
    """
    prepare_sources(warehouse_url)
    plan = (
        _plan(warehouse_url, select, dbt_vars, full_refresh, all_tests, refresh_reasons)
        if changed_only
        else None
    )
    selectors = list(select or [])
    if plan and not plan.everything:
        picked = plan.selectors(DBT_PROJECT_DIR)
        selectors = [f"{s},{p}" for s in selectors for p in picked] if selectors else picked
        if not selectors:
            return BuildSummary(success=True, skipped=True, plan=plan.to_json())
    args = ["build"]
    for selector in selectors:
        args += ["--select", selector]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if changed_only and not all_tests:
        args += ["--exclude-resource-type", "unit_test"]

    def on_event(event: Any) -> None:
        name = event.info.name
        if name == "LogStartLine" and on_plan and event.data.index == 1:
            on_plan(event.data.total)
        elif name == "NodeFinished" and on_node:
            on_node(event.data.node_info.unique_id)

    started = time.perf_counter()
    sources = spark.spark_sources(warehouse_url) if is_spark(warehouse_url) else nullcontext()
    with sources as session:
        result = (
            run_dbt(warehouse_url, args, on_event, plan.tests_loaded_after, plan.scope_columns)
            if plan
            else run_dbt(warehouse_url, args, on_event)
        )
        if session is not None:  # Spark's marts, readable through the control database
            spark.publish_built_marts(session)
    if result.result is None:
        raise BuildError(f"dbt build did not run: {result.exception}")
    result.result.write(str(dbt_target_dir(warehouse_url) / "run_results.json"))  # node times
    summary = BuildSummary(seconds=round(time.perf_counter() - started, 2))
    summary.plan = plan.to_json() if plan else None
    if not result.result.results:
        if plan and not plan.everything:  # nothing downstream of the change in this layer
            summary.success = summary.skipped = True
            _record(warehouse_url, plan)
            return summary
        if select:
            raise BuildError(
                f"--select {' '.join(select)!r} matches no model or test: nothing was built "
                "(see `dbt ls` in dbt/ for the names)"
            )
    _count_results(summary, result.result.results)
    summary.success = bool(result.success) and not summary.failures
    if summary.success and warehouse_url.startswith("postgresql"):
        _grant_read_access(warehouse_url, dbt_vars)
    if summary.success and plan:
        _record(warehouse_url, plan)
    return summary


def _plan(
    warehouse_url: str,
    select: list[str] | None,
    dbt_vars: dict[str, Any] | None,
    full_refresh: bool,
    all_tests: bool,
    refresh_reasons: list[str] | None = None,
) -> BuildPlan:
    def make_plan(warehouse: Any) -> BuildPlan:
        plan = plan_build(
            warehouse,
            # a Spark warehouse shares its control database's build state with nothing else
            ("spark " if is_spark(warehouse_url) else "") + " ".join(select or ["all"]),
            DBT_PROJECT_DIR,
            dbt_vars or {},
            Settings().full_test_days,
        )
        if full_refresh:
            plan.everything = True
            plan.reason = "; ".join(["a full refresh", *(refresh_reasons or [])])
        elif all_tests:
            plan.everything, plan.reason = True, "every model and test, as asked (--all-tests)"
        # Spark's tables are not in its control database: its tests describe them.
        if plan.tests_loaded_after and not plan.nothing_new and not is_spark(warehouse_url):
            plan.scope_columns = loaded_at_columns(warehouse)
        return plan

    plan: BuildPlan = _on_warehouse(warehouse_url, make_plan)
    return plan


def _record(warehouse_url: str, plan: BuildPlan) -> None:
    _on_warehouse(warehouse_url, lambda warehouse: record_build(warehouse, plan))


def _on_warehouse(warehouse_url: str, action: Callable[[Any], Any]) -> Any:
    """Run ``action`` on a connection of its own, closed before dbt opens the warehouse."""
    from shopsight.ingest.warehouse import connect

    warehouse = connect(warehouse_url)
    try:
        return action(warehouse)
    finally:
        warehouse.close()


def _count_results(summary: BuildSummary, results: list[Any]) -> None:
    for node in results:
        kind = node.node.resource_type
        bucket = summary.tests if kind in ("test", "unit_test") else summary.models
        status = str(node.status)
        bucket[status] = bucket.get(status, 0) + 1
        if status == "warn":
            summary.warnings.append(
                {"test": node.node.name, "failing_rows": int(getattr(node, "failures", 0) or 0)}
            )
        if status in ("error", "fail"):
            summary.failures.append(
                {
                    "node": node.node.unique_id,
                    "status": status,
                    "message": str(node.message or "")[:500],
                }
            )


def _grant_read_access(warehouse_url: str, dbt_vars: dict[str, Any] | None) -> None:
    """Give the roles in SHOPSIGHT_READER_ROLES (or var reader_roles) read access to the
    marts (macro grant_read_access)."""
    roles = [role.strip() for role in Settings().reader_roles.split(",") if role.strip()]
    grant_vars = ({"reader_roles": roles} if roles else {}) | (dbt_vars or {})
    args = ["run-operation", "grant_read_access"]
    if grant_vars:
        args += ["--vars", json.dumps(grant_vars)]
    result = run_dbt(warehouse_url, args)
    if not result.success:
        raise BuildError(
            f"the marts were built, but granting read access failed: {result.exception}"
        )
