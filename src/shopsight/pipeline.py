"""The daily run, declared once: its steps and what each waits for.

``shopsight run`` walks these steps in-process; ``airflow/dags/shopsight_daily.py`` turns the
same declaration into an Airflow DAG (:mod:`shopsight.airflow_dag`). Nothing here imports
Airflow. Every step is idempotent for a given day: ingestion loads a file once (the ledger),
the loyalty step rewrites scores only when its inputs changed, and dbt rebuilds the marts
from the landing tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shopsight.config import Settings
from shopsight.contracts.model import load_contract
from shopsight.spark.warehouse import spark_application
from shopsight.storage import Bucket

# The tables each source delivers every day: the run waits for these before it starts.
DAILY_FILES = {
    "retail_db": ["orders", "order_items"],
    "thelook": ["events", "orders"],
    "transactions": ["transactions"],
}
# dbt layers in build order: (step name, dbt selector).
DBT_LAYERS = [
    ("dbt_staging", "path:models/staging"),
    ("dbt_intermediate", "path:models/intermediate"),
    ("dbt_marts", "path:models/marts"),
]


class StepFailed(RuntimeError):
    """A step ran but its outcome cannot be trusted (the run must stop and alert)."""


class UntrustedRun(StepFailed):
    """Every step ran, but the data is not whole: untrusted files are open (red until each
    is re-admitted or accepted) or the run's day has orders of unknown revenue."""


@dataclass
class StepContext:
    """What every step gets: the settings and the day being run (None: whatever landed)."""

    settings: Settings
    run_date: date | None = None
    run_id: str = "manual"
    started: float = field(default_factory=time.time)
    # Earlier steps' summaries by step name (the check_trust step sums them up).
    results: dict[str, Any] = field(default_factory=dict)
    # How long the in-process run waits for the day's files (Airflow's sensor has its own
    # deadline), and what it calls while it waits: (seconds left, folders still empty).
    wait_seconds: float = 0.0
    on_wait: Callable[[float, list[str]], None] | None = None

    @property
    def bucket(self) -> Bucket:
        return Bucket(self.settings.bucket, self.settings)

    @property
    def dbt_vars(self) -> dict[str, Any]:
        return {"run_date": self.run_date.isoformat()} if self.run_date else {}


@dataclass(frozen=True)
class Step:
    """One step of the daily run.

    ``run(context, item)`` does the work and returns a JSON-able summary; mapped steps run
    once per item of ``items()`` (e.g. per landing table). ``kind`` tells a runner how to
    schedule it: ``sensor`` waits for input, ``dbt`` is a dbt selection, ``python`` the rest.
    ``writes_warehouse`` steps are serialized (DuckDB has one writer).
    """

    name: str
    description: str
    run: Callable[[StepContext, str | None], dict[str, Any]]
    upstream: tuple[str, ...] = ()
    kind: str = "python"
    items: Callable[[], list[str]] | None = None
    dbt_select: str | None = None
    writes_warehouse: bool = True
    reads_results: bool = False  # gets the earlier steps' summaries in context.results


def missing_daily_files(context: StepContext) -> list[str]:
    """The ``landing/<source>/<table>/dt=<day>/`` folders of the run's day that are empty."""
    if context.run_date is None:
        return []
    bucket, day = context.bucket, context.run_date.isoformat()
    return [
        f"landing/{source}/{table}/dt={day}/"
        for source, tables in DAILY_FILES.items()
        for table in tables
        if bucket.is_empty(f"landing/{source}/{table}/dt={day}/")
    ]


def _wait_for_landing(context: StepContext, _: str | None) -> dict[str, Any]:
    deadline = time.monotonic() + context.wait_seconds
    poke = max(1, context.settings.landing_poke_seconds)
    while missing := missing_daily_files(context):
        left = deadline - time.monotonic()
        if left <= 0:
            waited = (
                f" after waiting {context.wait_seconds / 60:g} min" if context.wait_seconds else ""
            )
            raise StepFailed(
                f"the files of {context.run_date} have not all landed{waited}: "
                f"{', '.join(missing)} (still empty)"
            )
        if context.on_wait:
            context.on_wait(left, missing)
        time.sleep(min(poke, left))  # the bucket is looked at again, not a state awaited
    return {"day": context.run_date.isoformat() if context.run_date else None}


def _ingest(source: str) -> Callable[[StepContext, str | None], dict[str, Any]]:
    def run(context: StepContext, table: str | None) -> dict[str, Any]:
        from shopsight.ingest.loader import ingest
        from shopsight.ingest.warehouse import connect

        warehouse = connect(context.settings.warehouse)
        try:
            report = ingest(
                context.bucket,
                warehouse,
                source,
                [table] if table else None,
                max_reject_ratio=context.settings.max_reject_ratio,
                until=context.run_date,
            )
        finally:
            warehouse.close()
        return _trust_summary(report)

    return run


def _tables(source: str) -> Callable[[], list[str]]:
    return lambda: list(load_contract(source).tables)


def _loyalty(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.ingest.warehouse import connect
    from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

    warehouse = connect(context.settings.warehouse)
    try:
        report = refresh_loyalty_scores(context.bucket, warehouse, until=context.run_date)
    finally:
        warehouse.close()
    summary = report.to_json()
    summary["ingest"] = _trust_summary(report.ingest)
    return summary


def _trust_summary(report: Any) -> dict[str, Any]:
    """An ingest report without its per-file detail, but naming the files that make the
    run untrusted (quarantined whole, or over the reject ratio). The build still runs on
    what loaded; the check_trust step fails the run at the end if anything is untrusted."""
    summary = report.to_json()
    summary.pop("files")
    summary["untrusted_files"] = [
        f"{f.path}: {f.reason or f'{f.rows_rejected} of {f.rows_read} rows rejected'}"
        for f in report.quarantined_files + report.over_ratio_files
    ]
    return summary


def _dbt(select: str) -> Callable[[StepContext, str | None], dict[str, Any]]:
    def run(context: StepContext, _: str | None) -> dict[str, Any]:
        from shopsight.build import build
        from shopsight.ingest.withdraw import full_refresh_reasons

        # A withdrawn (or restored) file took rows away, or the dbt project changed: an
        # incremental build would not see it.
        reasons = full_refresh_reasons(context.settings.warehouse)
        summary = build(
            context.settings.warehouse,
            [select],
            full_refresh=bool(reasons),
            dbt_vars=context.dbt_vars,
            changed_only=True,
            refresh_reasons=reasons,
        )
        if not summary.success:
            failed = "; ".join(f"{f['node']}: {f['message'][:200]}" for f in summary.failures)
            raise StepFailed(f"dbt build --select {select} failed: {failed}")
        return summary.to_json()

    return run


def _freshness(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.build import run_dbt
    from shopsight.ingest.warehouse import connect

    warehouse = connect(context.settings.warehouse)
    try:
        loaded = [
            row[0]
            for row in warehouse.query(
                "select distinct source from shopsight_ops.ingest_ledger "
                "where status = 'loaded' and rows_loaded > 0 order by 1"
            )
        ]
    finally:
        warehouse.close()
    # A source that never delivered has no freshness to check (its SLA is not started);
    # sources without a freshness SLA (the transactions feed) are skipped by dbt itself.
    selection = [f"source:{source}" for source in loaded]
    if not selection:
        return {"sources": {}}
    # On Spark, in an application that is stopped after (the daily run's, or one of its own
    # in a DAG task): dbt-spark would otherwise start one and leave it running.
    with spark_application(context.settings.warehouse, "shopsight source freshness"):
        result = run_dbt(
            context.settings.warehouse, ["source", "freshness", "--select", *selection]
        )
    statuses: dict[str, int] = {}
    stale = []
    for node in getattr(result.result, "results", None) or []:
        status = str(node.status)
        statuses[status] = statuses.get(status, 0) + 1
        if status in ("error", "runtime error"):
            stale.append(node.node.unique_id.split(".", 2)[-1])
    if stale:
        raise StepFailed(f"sources are stale (past their freshness SLA): {', '.join(stale)}")
    return {"sources": statuses}


def _reconcile(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.ingest.warehouse import connect
    from shopsight.reconcile import reconcile
    from shopsight.report.data import latest_order_day

    warehouse = connect(context.settings.warehouse)
    try:
        day = context.run_date or latest_order_day(warehouse)  # a manual run: the last day
        if day is None:
            return {"skipped": "no orders in the marts yet"}
        result = reconcile(
            warehouse, day, day, context.settings.business_timezone, bucket=context.bucket
        )
    finally:
        warehouse.close()
    summary = result.to_json()
    summary.pop("order_ids")
    summary.pop("days")
    if abs(result.unexplained) > context.settings.reconcile_tolerance:
        raise StepFailed(
            f"revenue for {day} does not reconcile: {result.unexplained:,.2f} unexplained "
            f"(tolerance {context.settings.reconcile_tolerance}); "
            f"run `shopsight reconcile --from {day} --to {day}` for the orders"
        )
    return summary


def _build_tests(results: dict[str, Any]) -> tuple[dict[str, int] | None, list[tuple[str, int]]]:
    """This run's dbt test outcomes by status (None: no dbt step ran) and its warnings."""
    tests: dict[str, int] | None = None
    warned: list[tuple[str, int]] = []
    for name, summary in results.items():
        if name.startswith("dbt_") and isinstance(summary, dict):
            tests = tests or {}
            for status, count in summary.get("tests", {}).items():
                tests[status] = tests.get(status, 0) + count
            warned += [(w["test"], int(w["failing_rows"])) for w in summary.get("warnings", [])]
    return tests, warned


def _on_its_day(anomaly_day: str, sentence: str, day: date | None) -> str:
    """An anomaly of another day than the run's (a file day the run loaded late) says its
    day; the run's own day goes without."""
    if day is not None and anomaly_day == day.isoformat():
        return sentence
    return f"on {anomaly_day}, {sentence}" if anomaly_day not in sentence else sentence


def _verdict(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.ingest.warehouse import connect
    from shopsight.ingest.withdraw import complete_full_refresh
    from shopsight.report.data import latest_data_day
    from shopsight.verdict import decide_verdict, record_verdict

    tests, warned = _build_tests(context.results)
    anomalies = context.results.get("anomalies") or {}
    warehouse = connect(context.settings.warehouse)
    try:
        day = context.run_date or latest_data_day(warehouse)
        # Every layer is built by now: a full rebuild asked for before the run is done.
        complete_full_refresh(warehouse, _utc(context.started))
        verdict = decide_verdict(
            warehouse,
            day,
            tests,
            warned,
            context.settings.max_reject_ratio,
            anomalies=[
                (a["severity"], _on_its_day(a["day"], a["sentence"], day))
                for a in anomalies.get("anomalies", [])
            ],
            monitor_errors=anomalies.get("errors", []),
        )
        record_verdict(warehouse, verdict, context.run_id)
    finally:
        warehouse.close()
    return verdict.to_json()


def _anomalies(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.anomalies.check import check_anomalies
    from shopsight.anomalies.monitors import MonitorError, load_monitors
    from shopsight.ingest.warehouse import connect
    from shopsight.report.data import latest_data_day

    try:
        monitors = load_monitors(context.settings.monitors)
    except MonitorError as error:
        raise StepFailed(str(error)) from None
    warehouse = connect(context.settings.warehouse)
    try:
        day = context.run_date or latest_data_day(warehouse)
        check = check_anomalies(warehouse, monitors, day, _utc(context.started))
    finally:
        warehouse.close()
    return check.to_json()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _report(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.report.publish import publish_report
    from shopsight.verdict import Verdict

    verdict = Verdict.from_json(context.results["verdict"])
    if verdict.day is None:
        return {"skipped": "no orders and no web sessions in the marts yet"}
    report = publish_report(context.settings, context.run_date, verdict=verdict)
    return report.to_json()


def _check_trust(context: StepContext, _: str | None) -> dict[str, Any]:
    from shopsight.alerts import send, success_alert
    from shopsight.verdict import Verdict

    verdict = Verdict.from_json(context.results["verdict"])
    if verdict.colour == "red":
        raise UntrustedRun(f"{verdict.day or 'the run'} is red: {'; '.join(verdict.reasons)}")
    alert = success_alert(
        "shopsight_daily", context.run_id, context.results, time.time() - context.started
    )
    return {
        "colour": verdict.colour,
        "accepted_gaps": verdict.accepted,
        "message": alert.body,
        "channels": send(alert, context.settings),
    }


def alert_new_problems(settings: Settings, run_id: str) -> dict[str, str]:
    """Alert once about the open problems not alerted before; returns channel outcomes
    (empty when every open problem was already alerted)."""
    from shopsight.alerts import send, untrusted_alert
    from shopsight.ingest.problems import mark_alerted, open_problems, unalerted
    from shopsight.ingest.warehouse import connect

    warehouse = connect(settings.warehouse)
    try:
        problems = open_problems(warehouse, settings.max_reject_ratio)
        new = unalerted(warehouse, problems)
        if not new:
            return {}
        outcome = send(untrusted_alert(run_id, new, problems), settings)
        mark_alerted(warehouse, new)
    finally:
        warehouse.close()
    return outcome


def _daily_steps() -> list[Step]:
    ingests = [
        Step(
            f"ingest_{source}",
            f"load new {source} files exactly once, one task per table (quarantine bad rows)",
            _ingest(source),
            upstream=("wait_for_landing",),
            items=_tables(source),
        )
        for source in ("retail_db", "thelook", "aftership")
    ]
    steps = [
        Step(
            "wait_for_landing",
            "wait until the day's files of every source have landed; alert at the deadline",
            _wait_for_landing,
            kind="sensor",
            writes_warehouse=False,
        ),
        *ingests,
        Step(
            "loyalty",
            "land the transactions feed and rescore every user's loyalty (exact decimals)",
            _loyalty,
            upstream=("wait_for_landing",),
        ),
    ]
    previous = (*(s.name for s in ingests), "loyalty")
    for name, select in DBT_LAYERS:
        steps.append(
            Step(
                name,
                f"dbt build {select}: its models, then their tests",
                _dbt(select),
                upstream=previous,
                kind="dbt",
                dbt_select=select,
            )
        )
        previous = (name,)
    steps.append(
        Step(
            "anomalies",
            "compare the day with its usual weekday (monitors.yaml): volumes, revenue, mix; "
            "name the parts that moved",
            _anomalies,
            upstream=previous,
        )
    )
    steps.append(
        Step(
            "source_freshness",
            "dbt source freshness: every source loaded within its SLA",
            _freshness,
            upstream=previous,
            writes_warehouse=False,
        )
    )
    # DuckDB has one writer and readers in other processes wait for it: these read-only
    # steps take the warehouse pool too, so they never open the file at the same time.
    steps.append(
        Step(
            "reconcile",
            "daily revenue control: sales system vs the marts, cause by cause; fails on a break",
            _reconcile,
            upstream=previous,
        )
    )
    steps.append(
        Step(
            "verdict",
            "the day's verdict, decided once (red: an untrusted file, an incomplete day or a "
            "failed test; amber: new warnings; accepted gaps named), recorded for the report, "
            "the alert and `status`",
            _verdict,
            upstream=(*previous, "anomalies"),
            reads_results=True,
        )
    )
    steps.append(
        Step(
            "report",
            "the daily run report (HTML with charts) into reports/ in the bucket",
            _report,
            upstream=("verdict",),
            reads_results=True,
        )
    )
    steps.append(
        Step(
            "check_trust",
            "red when the verdict is red (alerting once per new untrusted file); else one "
            "message summing up the run (verdict, files, quarantined rows, tests, duration)",
            _check_trust,
            upstream=("source_freshness", "reconcile", "verdict", "report"),
            reads_results=True,
        )
    )
    return steps


DAILY_STEPS: list[Step] = _daily_steps()


@dataclass
class StepOutcome:
    name: str
    status: str  # success | failed | skipped
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    untrusted: bool = False  # failed because untrusted files are open (UntrustedRun)


def run_daily(
    context: StepContext,
    steps: list[Step] | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
) -> list[StepOutcome]:
    """Run the steps in order in this process. A failed step skips everything downstream of
    it; the others still run (the same semantics as the DAG's default trigger rule)."""
    with spark_application(context.settings.warehouse, "shopsight run"):
        return _run_steps(steps or DAILY_STEPS, context, on_step)


def _run_steps(
    steps: list[Step], context: StepContext, on_step: Callable[[StepOutcome], None] | None
) -> list[StepOutcome]:
    outcomes: dict[str, StepOutcome] = {}
    for step in steps:
        blocked = [u for u in step.upstream if outcomes[u].status != "success"]
        if blocked:
            outcome = StepOutcome(
                step.name, "skipped", error=f"upstream {blocked[0]} did not succeed"
            )
        else:
            outcome = _run_step(step, context)
            context.results[step.name] = outcome.summary
        outcomes[step.name] = outcome
        if on_step:
            on_step(outcome)
    return list(outcomes.values())


def _run_step(step: Step, context: StepContext) -> StepOutcome:
    started = time.perf_counter()
    items: list[str | None] = list(step.items()) if step.items else [None]
    summaries = {}
    try:
        for item in items:
            summaries[item or step.name] = step.run(context, item)
    except Exception as error:  # noqa: BLE001 - a step's failure is reported, not raised
        seconds = round(time.perf_counter() - started, 2)
        untrusted = isinstance(error, UntrustedRun)
        return StepOutcome(step.name, "failed", seconds, summaries, str(error), untrusted)
    summary = summaries[step.name] if step.items is None else summaries
    return StepOutcome(step.name, "success", round(time.perf_counter() - started, 2), summary)


def mermaid_diagram(steps: list[Step] | None = None) -> str:
    """The run as a Mermaid flowchart (docs/orchestration.md; a test keeps it current)."""
    lines = ["```mermaid", "flowchart LR"]
    for step in steps or DAILY_STEPS:
        label = f"{step.name} (one task per table)" if step.items else step.name
        shape = f'{step.name}(["{label}"])' if step.kind == "sensor" else f'{step.name}["{label}"]'
        lines.append(f"    {shape}")
    for step in steps or DAILY_STEPS:
        for upstream in step.upstream:
            lines.append(f"    {upstream} --> {step.name}")
    lines.append("```")
    return "\n".join(lines)
