"""`shopsight ingest` and `shopsight status`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store
from shopsight.contracts.sources import known_sources
from shopsight.words import plural

if TYPE_CHECKING:
    from shopsight.anomalies.record import Recorded
    from shopsight.config import Settings
    from shopsight.ingest.loader import IngestReport
    from shopsight.ingest.problems import AcceptedGap, Problem
    from shopsight.ingest.warehouse import Warehouse
    from shopsight.storage import Bucket
    from shopsight.verdict import Verdict


def print_ingest(report: IngestReport, source: str = "") -> None:
    rows: dict[str, dict[str, Any]] = {}
    for f in report.files:
        row = rows.setdefault(
            f.table, {"files": 0, "quarantined": 0, "loaded": 0, "rejected": 0, "reasons": {}}
        )
        row["files"] += 1
        row["quarantined"] += f.status == "quarantined"
        row["loaded"] += f.rows_loaded
        row["rejected"] += f.rows_rejected
        for reason, count in f.rejects_by_reason.items():
            row["reasons"][reason] = row["reasons"].get(reason, 0) + count
        if f.reason:
            row["reasons"][f.reason] = row["reasons"].get(f.reason, 0) + 1
    console.print_table(
        f"{source + ': ' if source else ''}ingest run {report.run_id}",
        [
            "table",
            "files",
            "files quarantined",
            "rows loaded",
            "rows quarantined",
            "quarantined by reason",
        ],
        [
            [
                t,
                r["files"],
                r["quarantined"],
                r["loaded"],
                r["rejected"],
                ", ".join(f"{k}={v}" for k, v in sorted(r["reasons"].items())),
            ]
            for t, r in rows.items()
        ],
    )
    for f in report.quarantined_files:
        console.err.print(
            f"[red]file quarantined[/] {escape(f'{f.path}: {f.reason}: {f.message}')}",
            highlight=False,
        )
    for f in report.over_ratio_files:
        console.err.print(
            f"[red]too many rejects[/] {escape(f.path)}: {f.rows_rejected} of "
            f"{f.rows_read} rows quarantined",
            highlight=False,
        )
    print_ignored(report)


def print_ignored(report: IngestReport) -> None:
    """The objects under a table's folder that are not landed files, and why (every run:
    they stay until someone moves them)."""
    for ignored in report.ignored:
        console.err.print(
            f"[yellow]not a landed file, ignored[/] {escape(f'{ignored.key}: {ignored.reason}')}",
            highlight=False,
        )


def run_ingest(
    bucket: str | None,
    warehouse: str | None,
    source: str,
    tables: list[str] | None,
    verify: bool,
    json_output: bool,
) -> IngestReport:
    """Ingest one source with a progress bar (`tracking load` uses it too)."""
    with open_store(bucket, warehouse) as (settings, target, wh):
        return _ingest_with_progress(settings, target, wh, source, tables, verify, json_output)


def _ingest_with_progress(
    settings: Settings,
    bucket: Bucket,
    warehouse: Warehouse,
    source: str,
    tables: list[str] | None,
    verify: bool,
    json_output: bool,
    line_by_line: bool = False,
) -> IngestReport:
    from shopsight.ingest.loader import ingest

    with console.progress_bar(f"ingesting {source}", json_output) as bar:
        task = bar.add_task("files", total=None)
        return ingest(
            bucket,
            warehouse,
            source,
            tables,
            verify,
            settings.max_reject_ratio,
            on_plan=lambda n: bar.update(task, total=n),
            on_file=lambda _: bar.advance(task),
            fast=not line_by_line,
        )


def _sources_with_files(bucket: Bucket) -> list[str]:
    """The sources that have at least one landed file in the bucket."""
    from shopsight.contracts.model import load_contract
    from shopsight.ingest.discovery import list_landed_files

    found = []
    for source in known_sources():
        contract = load_contract(source)
        if any(list_landed_files(bucket, contract, [t]) for t in contract.tables):
            found.append(source)
    return found


@app.command("ingest")
def ingest_command(
    source: Annotated[
        str | None,
        typer.Option(
            metavar="SOURCE",
            help=f"Only this source ({', '.join(known_sources())}). "
            "Default: every source with landed files.",
        ),
    ] = None,
    table: Annotated[
        list[str] | None, typer.Option(metavar="TABLE", help="Only this table (repeatable).")
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Re-read every file and compare checksums.")
    ] = False,
    line_by_line: Annotated[
        bool,
        typer.Option(
            "--line-by-line",
            help="Check every line with the line validator instead of DuckDB's CSV reader "
            "first (same result, slower).",
        ),
    ] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load new landed files exactly once; quarantine bad rows and files with reasons.

    Exits 1 while a file is untrusted (quarantined whole, or more rows rejected than the
    contract's ratio allows), whichever run found it, until it is re-admitted or accepted;
    and when no source has landed files at all.
    """
    from shopsight.ingest.loader import IngestReport
    from shopsight.ingest.problems import open_problems

    if table and source is None:
        console.fail("--table needs --source (table names repeat across sources)")
    try:
        with open_store(bucket, warehouse, bucket_must_exist=True) as (settings, target, wh):
            sources = [source] if source else _sources_with_files(target)
            if not sources:
                console.fail(f"no landed files in {target.url} for any source", code=1)
            reports = [
                _ingest_with_progress(
                    settings, target, wh, s, table, verify, json_output, line_by_line
                )
                for s in sources
            ]
            problems = open_problems(wh, settings.max_reject_ratio)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        combined = IngestReport(",".join(r.run_id for r in reports))
        combined.files = [f for r in reports for f in r.files]
        combined.ignored = [o for r in reports for o in r.ignored]
        console.print_json(
            {
                **combined.to_json(),
                "sources": sources,
                "open_problems": [p.to_json() for p in problems],
            }
        )
    else:
        for s, report in zip(sources, reports, strict=True):
            if report.files:
                print_ingest(report, s)
            else:
                console.out.print(f"{s}: nothing new to load", markup=False, highlight=False)
                print_ignored(report)
        print_problems(problems)
    if problems or not all(r.trusted for r in reports):
        raise typer.Exit(1)


def print_problems(problems: list[Problem]) -> None:
    """The open problems, each with the commands that resolve it (or none: all trusted)."""
    if not problems:
        console.say("No open problems: every landed file is trusted.")
        return
    console.say_wrapped(
        f"{plural(len(problems), 'open problem')}: these files keep every run red until each is "
        "re-admitted (fixed) or accepted as it is:"
    )
    print_problem_list(problems)


def print_problem_list(problems: list[Problem]) -> None:
    """Each untrusted file, why, and the two commands that resolve it (short ids)."""
    for problem in problems:
        console.say(f"  {problem.path}")
        console.say_wrapped(problem.detail, indent=4)
        console.say(f"    resolve: {problem.resolve_command}")
        console.say(f"    or accept: {problem.accept_command}")


@app.command("status")
def status_command(
    bucket: BucketOption = None, warehouse: WarehouseOption = None, json_output: JsonOption = False
) -> None:
    """What is loaded and what is not to be trusted yet.

    Open problems first (untrusted files, each with the command that resolves it); then per
    table: files and rows loaded, rows quarantined by reason, latest day loaded. Exits 1
    while a problem is open.
    """
    from shopsight.anomalies.record import recorded_anomalies
    from shopsight.ingest.problems import accepted_gaps, open_problems
    from shopsight.ingest.status import table_status
    from shopsight.verdict import recorded_verdict

    try:
        with open_store(bucket, warehouse, must_exist=True) as (settings, _, wh):
            problems = open_problems(wh, settings.max_reject_ratio)
            gaps = accepted_gaps(wh)
            verdict = recorded_verdict(wh)
            rows = table_status(wh)
            anomalies = recorded_anomalies(wh, acked=False)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(
            {
                "verdict": verdict.to_json() if verdict else None,
                "open_problems": [p.to_json() for p in problems],
                "open_anomalies": [a.to_json() for a in anomalies],
                "accepted_gaps": [g.to_json() for g in gaps],
                "tables": rows,
            }
        )
    else:
        _print_verdict(verdict)
        print_problems(problems)
        _print_anomalies(anomalies)
        _print_accepted(gaps)
        _print_status_table(rows)
    if problems:
        raise typer.Exit(1)


def _print_verdict(verdict: Verdict | None) -> None:
    if verdict is None:
        console.say("No daily run has judged a day yet (`shopsight run`).")
    else:
        console.say_wrapped(f"Last verdict, for {verdict.day}: {verdict.headline}")
        for reason in verdict.reasons:
            console.say_wrapped(reason, indent=2)
    console.say("")


def _print_anomalies(anomalies: list[Recorded]) -> None:
    """Open anomalies: days unlike their usual weekday that nobody acknowledged yet."""
    if not anomalies:
        return
    console.say_wrapped(
        f"{len(anomalies)} open {'anomaly' if len(anomalies) == 1 else 'anomalies'} (a day "
        "unlike its usual weekday; if it was expected: shopsight anomalies ack ID --reason "
        '"..."):'
    )
    for anomaly in anomalies:
        console.say_wrapped(f"{anomaly.anomaly_id} {anomaly.day}: {anomaly.sentence}", indent=2)
    console.say("")


def _print_accepted(gaps: list[AcceptedGap]) -> None:
    """Every file a person accepted as it is: known, owned gaps (they keep no run red)."""
    if not gaps:
        return
    console.say("")
    console.say_wrapped(
        f"{plural(len(gaps), 'accepted gap')}: files accepted as they are (their data stays "
        "missing, and keeps no run red):"
    )
    for gap in gaps:
        console.say(f"  {gap.path}")
        console.say_wrapped(
            f"{gap.file_reason}; accepted by {gap.accepted_by} on {gap.accepted_at[:16]} UTC: "
            f"{gap.reason}",
            indent=4,
        )


def _print_status_table(rows: list[dict[str, Any]]) -> None:
    for source in dict.fromkeys(r["source"] for r in rows):
        console.print_table(
            f"{source}: what each table has loaded",
            ["table", "files", "untrusted", "rows", "quarantined", "latest day"],
            [
                [
                    r["table"],
                    r["files_loaded"],
                    r["files_untrusted"],
                    r["rows_loaded"],
                    r["rows_rejected"],
                    r["latest_file_dt"],
                ]
                for r in rows
                if r["source"] == source
            ],
        )
    held = [r for r in rows if r["open_quarantine_by_reason"]]
    if held:
        console.say("Still in the quarantine, by reason (`shopsight quarantine list`):")
        for r in held:
            reasons = ", ".join(f"{k} {v}" for k, v in r["open_quarantine_by_reason"].items())
            console.say_wrapped(f"{r['source']}.{r['table']}: {reasons}", indent=2)
    warned = [
        [f"{r['source']}.{r['table']}", code, count]
        for r in rows
        for code, count in r["warnings"].items()
    ]
    if warned:
        console.print_table(
            "Warnings: rows loaded as delivered (`shopsight contracts warnings`, `drift`)",
            ["table", "warning", "count"],
            warned,
        )
