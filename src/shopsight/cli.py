"""``shopsight <command>``: thin wiring from the command line to the package."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from shopsight import console
from shopsight.build import DBT_PROJECT_DIR, BuildError, BuildSummary, build, run_dbt
from shopsight.config import Settings
from shopsight.contracts.ddl import render_landing_ddl
from shopsight.contracts.model import ContractError, load_contract
from shopsight.erd import load_manifest, star_diagram, with_diagram
from shopsight.generate.export import GenerationError, generate_retail_db
from shopsight.ingest.ledger import OPS_DDL
from shopsight.ingest.loader import IngestReport, ingest
from shopsight.ingest.readmit import ReadmitError, find_quarantined, readmit
from shopsight.ingest.status import list_quarantine, table_status
from shopsight.ingest.warehouse import Warehouse, WarehouseError, connect
from shopsight.storage import Bucket, StorageError

app = typer.Typer(
    help="ShopSight: land, validate and load an online store's data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
generate_app = typer.Typer(help="Write synthetic source files into a bucket.", no_args_is_help=True)
quarantine_app = typer.Typer(
    help="Inspect and re-admit quarantined rows and files.", no_args_is_help=True
)
contracts_app = typer.Typer(
    help="Landing-table contracts and the DDL made from them.", no_args_is_help=True
)
app.add_typer(generate_app, name="generate")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(contracts_app, name="contracts")
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")

BucketOption = Annotated[
    str | None,
    typer.Option(
        "--bucket", help="Bucket URL (file://, s3://, memory://). Default: SHOPSIGHT_BUCKET."
    ),
]
WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        help="duckdb:///path or postgresql://user@host:port/db. Default: SHOPSIGHT_WAREHOUSE.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
EXPECTED = (StorageError, WarehouseError, ContractError, GenerationError, ReadmitError, BuildError)


def _open(bucket: str | None, warehouse: str | None) -> tuple[Settings, Bucket, Warehouse]:
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    target, wh = Bucket(settings.bucket, settings), connect(settings.warehouse)
    wh.execute_script(OPS_DDL)
    return settings, target, wh


@generate_app.command("retail-db")
def generate_retail_db_command(
    bucket: BucketOption = None,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2024-01-01",
    days: Annotated[int, typer.Option(help="Number of daily exports.")] = 90,
    orders: Annotated[int, typer.Option(help="Orders over the whole period.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 42,
    faults: Annotated[
        str, typer.Option(help="none, or default (one of each fault class).")
    ] = "none",
    json_output: JsonOption = False,
) -> None:
    """Write the retail_db OLTP export: one headerless CSV per table per day."""
    settings = Settings().with_overrides(bucket=bucket)
    try:
        first = date.fromisoformat(start)
    except ValueError:
        console.fail(f"--start {start!r}: expected a date like 2024-01-01")
    try:
        target = Bucket(settings.bucket, settings)
        with console.progress_bar("generating retail_db", json_output) as bar:
            task = bar.add_task("days", total=days)
            summary = generate_retail_db(
                target, first, days, orders, seed, faults, on_day=lambda _: bar.advance(task)
            )
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json(summary.to_json())
        return
    console.print_table(
        f"generated {summary.files} files in {target.url}",
        ["table", "rows"],
        [[t, n] for t, n in summary.rows.items()],
    )
    console.out.print(f"{len(summary.faults)} faults logged in {summary.manifest}")


def _print_ingest(report: IngestReport) -> None:
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
        f"ingest run {report.run_id}",
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
            f"[red]file quarantined[/] {f.path}: {f.reason}: {f.message}", highlight=False
        )
    for f in report.over_ratio_files:
        console.err.print(
            f"[red]too many rejects[/] {f.path}: {f.rows_rejected} of "
            f"{f.rows_read} rows quarantined",
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
    """Ingest with a progress bar; shared by `ingest` and `run`."""
    settings, target, wh = _open(bucket, warehouse)
    try:
        with console.progress_bar(f"ingesting {source}", json_output) as bar:
            task = bar.add_task("files", total=None)
            return ingest(
                target,
                wh,
                source,
                tables,
                verify,
                settings.max_reject_ratio,
                on_plan=lambda n: bar.update(task, total=n),
                on_file=lambda _: bar.advance(task),
            )
    finally:
        wh.close()


@app.command("ingest")
def ingest_command(
    source: Annotated[str, typer.Option(help="Source whose landing files to load.")] = "retail_db",
    table: Annotated[list[str] | None, typer.Option(help="Only this table (repeatable).")] = None,
    verify: Annotated[bool, typer.Option(help="Re-read every file and compare checksums.")] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load new landed files exactly once; quarantine bad rows and files with reasons.

    Exits 1 when a whole file was quarantined or a file rejected more rows than the
    contract's ratio allows: the warehouse then needs a look before it is trusted.
    """
    try:
        report = run_ingest(bucket, warehouse, source, table, verify, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    console.print_json(report.to_json()) if json_output else _print_ingest(report)
    if not report.trusted:
        raise typer.Exit(1)


@app.command("status")
def status_command(
    bucket: BucketOption = None, warehouse: WarehouseOption = None, json_output: JsonOption = False
) -> None:
    """Per table: files and rows loaded, rows quarantined by reason, latest day loaded."""
    try:
        _, _, wh = _open(bucket, warehouse)
        rows = table_status(wh)
        wh.close()
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"tables": rows})
        return
    console.print_table(
        "warehouse status",
        [
            "source",
            "table",
            "files",
            "files quarantined",
            "rows loaded",
            "rows quarantined",
            "open quarantine",
            "latest day",
        ],
        [
            [
                r["source"],
                r["table"],
                r["files_loaded"],
                r["files_quarantined"],
                r["rows_loaded"],
                r["rows_rejected"],
                ", ".join(f"{k}={v}" for k, v in r["open_quarantine_by_reason"].items()),
                r["latest_file_dt"],
            ]
            for r in rows
        ],
    )


@quarantine_app.command("list")
def quarantine_list(
    table: Annotated[str | None, typer.Option(help="Only this table.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Include re-admitted rows.")] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List quarantined rows and files with file, line, column and reason."""
    try:
        _, _, wh = _open(bucket, warehouse)
        rows = list_quarantine(wh, all_rows, table, reason)
        wh.close()
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": rows})
        return
    console.print_table(
        f"{len(rows)} quarantined",
        ["id", "path", "line", "column", "reason", "message"],
        [[r["id"], r["path"], r["line"], r["column"], r["reason"], r["message"]] for r in rows],
    )


@quarantine_app.command("show")
def quarantine_show(
    ids: Annotated[list[str], typer.Argument(help="Quarantine ids.")],
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show quarantined rows in full, with the raw line as delivered."""
    try:
        _, _, wh = _open(bucket, warehouse)
        rows = find_quarantined(wh, ids)
        wh.close()
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"quarantine": rows})
        return
    for row in rows:
        for key, value in row.items():
            console.out.print(f"[bold]{key}[/]: {value}", highlight=False)
        console.out.print()


@quarantine_app.command("readmit")
def quarantine_readmit(
    ids: Annotated[list[str], typer.Argument(help="Quarantine ids to re-admit.")],
    line: Annotated[
        str | None, typer.Option(help="A fixed line replacing one quarantined row.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="Fixed content for one quarantined file.")
    ] = None,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load quarantined rows (as delivered, or fixed) or files through the normal path.

    Exits 1 if a re-admitted row is rejected again (it is quarantined anew).
    """
    replacement = line.encode() if line is not None else file.read_bytes() if file else None
    try:
        _, target, wh = _open(bucket, warehouse)
        results = readmit(target, wh, ids, replacement)
        wh.close()
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"files": [r.to_json() for r in results]})
    else:
        for r in results:
            console.out.print(
                f"{r.path}: {r.rows_loaded} loaded, {r.rows_rejected} quarantined "
                f"again ({r.status})",
                highlight=False,
            )
    if any(r.rows_rejected or r.status == "quarantined" for r in results):
        raise typer.Exit(1)


@contracts_app.command("ddl")
def contracts_ddl(
    source: Annotated[str, typer.Option(help="Source contract.")] = "retail_db",
    dialect: Annotated[str, typer.Option(help="postgres or duckdb.")] = "postgres",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Exit 1 if --output differs from the contract.")
    ] = False,
) -> None:
    """Print (or write, or check) the landing DDL generated from a contract."""
    if dialect not in ("postgres", "duckdb"):
        console.fail(f"--dialect {dialect!r}: expected postgres or duckdb")
    try:
        ddl = render_landing_ddl(load_contract(source), dialect)  # type: ignore[arg-type]
    except ContractError as error:
        console.fail(str(error))
    if output is None:
        console.out.print(ddl, highlight=False, markup=False)
    elif check:
        if not output.exists() or output.read_text() != ddl:
            console.fail(
                f"{output} differs from the {source} contract: run "
                f"`shopsight contracts ddl --output {output}`",
                code=1,
            )
    else:
        output.write_text(ddl)


def run_build(
    warehouse: str, select: list[str] | None, full_refresh: bool, json_output: bool
) -> BuildSummary:
    """dbt build with a progress bar; shared by `build` and `run`."""
    with console.progress_bar("building the warehouse (dbt)", json_output) as bar:
        task = bar.add_task("nodes", total=None)
        return build(
            warehouse,
            select,
            full_refresh,
            on_plan=lambda n: bar.update(task, total=n),
            on_node=lambda _: bar.advance(task),
        )


def _print_build(summary: BuildSummary) -> None:
    console.print_table(
        f"dbt build in {summary.seconds:.1f} s",
        ["", "status", "count"],
        [["models", s, n] for s, n in sorted(summary.models.items())]
        + [["tests", s, n] for s, n in sorted(summary.tests.items())],
    )
    for failure in summary.failures:
        console.err.print(
            f"[red]{failure['status']}[/] {failure['node']}: {failure['message']}", highlight=False
        )


@app.command("build")
def build_command(
    select: Annotated[list[str] | None, typer.Option(help="dbt selector (repeatable).")] = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models.")] = False,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Build and test the warehouse's star schemas with dbt (`dbt build`).

    Exits 1 if a model fails or a test of severity error fails.
    """
    settings = Settings().with_overrides(warehouse=warehouse)
    try:
        summary = run_build(settings.warehouse, select, full_refresh, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    console.print_json(summary.to_json()) if json_output else _print_build(summary)
    if not summary.success:
        raise typer.Exit(1)


@app.command("run")
def run_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The daily job: generate demo data if the bucket is empty, ingest, build the warehouse.

    Exits 1 if ingestion was not trusted (a file quarantined whole, too many rejects) or the
    build failed; the warehouse is built either way from what did load.
    """
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    try:
        target = Bucket(settings.bucket, settings)
        if target.is_empty("landing/"):
            if not json_output:
                console.err.print(f"bucket {target.url} is empty: generating 90 days of demo data")
            generate_retail_db(target, date(2024, 1, 1), 90, 20_000, 42, "default")
        report = run_ingest(
            settings.bucket, settings.warehouse, "retail_db", None, False, json_output
        )
        summary = run_build(settings.warehouse, None, False, json_output)
    except EXPECTED as error:
        console.fail(str(error))
    if json_output:
        console.print_json(
            {
                "ingest": report.to_json(),
                "build": summary.to_json(),
                "warehouse": settings.warehouse,
            }
        )
    else:
        _print_ingest(report)
        _print_build(summary)
        console.out.print(f"warehouse: {settings.warehouse}   bucket: {settings.bucket}")
        console.out.print("next: `shopsight status`, `shopsight quarantine list`")
    if not report.trusted or not summary.success:
        raise typer.Exit(1)


@docs_app.command("erd")
def docs_erd(
    document: Annotated[Path, typer.Option(help="Markdown file with the ERD markers.")] = Path(
        "docs/warehouse.md"
    ),
    check: Annotated[bool, typer.Option(help="Exit 1 if the document's diagram is stale.")] = False,
) -> None:
    """Regenerate the star schema diagram in docs/warehouse.md from the dbt manifest."""
    settings = Settings()
    try:
        parsed = run_dbt(settings.warehouse, ["parse"])
    except EXPECTED as error:
        console.fail(str(error))
    if not parsed.success:
        console.fail(f"dbt parse failed: {parsed.exception}")
    text = document.read_text()
    updated = with_diagram(text, star_diagram(load_manifest(DBT_PROJECT_DIR)))
    if check and updated != text:
        console.fail(f"{document}: the diagram is stale; run `shopsight docs erd`", code=1)
    if not check:
        document.write_text(updated)


def main() -> None:
    app()
