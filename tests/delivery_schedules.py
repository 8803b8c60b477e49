"""Deliver a store's files over a random schedule; after every step, incremental = full.

Shared by the property tests of the retail facts and of the web facts. Both builds of a step
run in one warehouse file (dbt reparses when the path changes): the incrementally built
tables are set aside before the full refresh and put back after it, so the next step goes on
incrementally from exactly where it was.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

import shopsight.build
from shopsight.build import prepare_sources, run_dbt
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket


@dataclass
class Schedule:
    """Which step delivers each file, and what the comparison looks at."""

    step_of: dict[str, int]
    select: str  # the dbt selection both builds run
    compared: dict[str, str]  # "schema.table" -> the query whose rows must be equal
    source: str = "retail_db"  # the landed source the files belong to
    empty_first_build: bool = False
    after_ingest: Callable[[int, str, Bucket], None] | None = None  # (step, url, bucket)
    compare_every_step: bool = True  # False: after the last step only (a fixed schedule)


@dataclass
class Tally:
    schedules: int = 0
    steps: int = 0
    comparisons: int = 0
    compared_rows: dict[str, int] = field(default_factory=dict)


def rows(url: str, sql: str) -> list[tuple]:
    connection = duckdb.connect(url[len("duckdb:///") :])
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def execute(url: str, sql: str) -> None:
    connection = duckdb.connect(url[len("duckdb:///") :])
    try:
        connection.execute(sql)
    finally:
        connection.close()


def build(url: str, select: str, full_refresh: bool) -> None:
    result = run_dbt(
        url,
        ["run", "--select", select, "--vars", '{"incremental_lookback_minutes": 0}']
        + (["--full-refresh"] if full_refresh else []),
    )
    failed = [
        str(node.message)
        for node in getattr(result.result, "results", None) or []
        if str(node.status) in ("error", "fail")
    ]
    assert result.success, result.exception or failed


def deliver_and_compare(
    source: Bucket, warehouse_path: Path, schedule: Schedule, tally: Tally
) -> None:
    """Deliver the files step by step; after each, incremental must equal a full refresh."""
    # A new file per schedule (this process's dbt keeps the last one open), in a folder of
    # its own under one name, so its first build starts from the last one's parse (0060).
    folder = warehouse_path / f"schedule-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    url = f"duckdb:///{folder / 'schedule.duckdb'}"
    bucket = Bucket(f"memory://delivered-{uuid.uuid4().hex[:8]}")
    prepare_sources(url)
    if schedule.empty_first_build:
        build(url, schedule.select, full_refresh=False)
    last = max(schedule.step_of.values())
    for step in range(last + 1):
        delivered = [key for key, at in schedule.step_of.items() if at == step]
        for key in delivered:
            bucket.write_bytes(key, source.read_bytes(key))
        warehouse = connect(url)
        report = ingest(bucket, warehouse, schedule.source)
        assert len(report.files) == len(delivered), f"step {step}: {report}"
        warehouse.close()
        if schedule.after_ingest:
            schedule.after_ingest(step, url, bucket)
        build(url, schedule.select, full_refresh=False)
        if step < last and not schedule.compare_every_step:
            tally.steps += 1
            continue
        incremental = {table: rows(url, sql) for table, sql in schedule.compared.items()}
        for table in schedule.compared:
            execute(url, f"create or replace table {_kept(table)} as from {table}")
        build(url, schedule.select, full_refresh=True)
        for table, sql in schedule.compared.items():
            assert incremental[table] == rows(url, sql), f"{table} after step {step}"
            tally.comparisons += 1
            tally.compared_rows[table] = len(incremental[table])
        for table in schedule.compared:
            execute(url, f"create or replace table {table} as from {_kept(table)}")
        tally.steps += 1
    tally.schedules += 1


def _kept(table: str) -> str:
    schema, name = table.split(".")
    return f"{schema}._kept_{name}"


def mutated_project(folder: Path, file: str, rule: str, instead: str) -> Path:
    """A copy of the dbt project in ``folder`` with one rule of one file (a model or macro,
    its path in the project) replaced: the rule must be there exactly once, so a rewrite of
    the file fails here rather than letting a mutation check pass vacuously."""
    project = folder / "dbt"
    shutil.copytree(
        shopsight.build.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs")
    )
    path = project / file
    text = path.read_text()
    assert text.count(rule) == 1, f"{file} no longer has the rule {rule!r}"
    path.write_text(text.replace(rule, instead))
    return project
