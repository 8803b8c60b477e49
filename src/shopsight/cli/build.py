"""`shopsight build`: the dbt build of the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import JsonOption, WarehouseOption, expected

if TYPE_CHECKING:
    from shopsight.build import BuildSummary


def run_build(
    warehouse: str,
    select: list[str] | None,
    full_refresh: bool,
    json_output: bool,
    all_tests: bool = False,
    refresh_reasons: list[str] | None = None,
) -> BuildSummary:
    """dbt build with a progress bar; shared by `build` and `run`. Without a selector, only
    what changed since the last build is built (build_state.py)."""
    from shopsight.build import build

    with console.progress_bar("building the warehouse (dbt)", json_output) as bar:
        task = bar.add_task("nodes", total=None)
        return build(
            warehouse,
            select,
            full_refresh,
            on_plan=lambda n: bar.update(task, total=n),
            on_node=lambda _: bar.advance(task),
            changed_only=not select,
            all_tests=all_tests,
            refresh_reasons=refresh_reasons,
        )


def print_build(summary: BuildSummary) -> None:
    plan = summary.plan or {}
    if summary.skipped:
        console.out.print(
            f"dbt build skipped: {plan.get('reason', 'nothing new')}",
            highlight=False,
            markup=False,
        )
        return
    if plan and plan["everything"] and plan["reason"] != "first build":
        # why a daily build rebuilt everything (a full refresh's requests are people's words)
        console.out.print(f"built everything: {plan['reason']}", highlight=False, markup=False)
    if plan and not plan["everything"]:
        changed = plan["changed_tables"] + [f"var {name}" for name in plan["changed_vars"]]
        console.out.print(
            f"built only what is downstream of what changed since the last build: "
            f"{', '.join(changed)}; the rest was left as it is (`--all-tests` builds and "
            f"tests everything)",
            highlight=False,
            markup=False,
        )
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


def loaded_files(warehouse_url: str) -> int:
    """How many files the warehouse's ledger records as loaded (0: none, or no ledger)."""
    from shopsight.ingest.warehouse import connect

    warehouse = connect(warehouse_url, create=False)
    try:
        rows = warehouse.query(
            "select count(*) from information_schema.tables "
            "where table_schema = 'shopsight_ops' and table_name = 'ingest_ledger'"
        )
        if not rows[0][0]:
            return 0
        return int(
            warehouse.query(
                "select count(*) from shopsight_ops.ingest_ledger where status = 'loaded'"
            )[0][0]
        )
    finally:
        warehouse.close()


@app.command("build")
def build_command(
    select: Annotated[
        list[str] | None, typer.Option(metavar="SELECTOR", help="dbt selector (repeatable).")
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models.")
    ] = False,
    all_tests: Annotated[
        bool,
        typer.Option(
            "--all-tests",
            help="Build and test everything, unit tests included, even if nothing changed.",
        ),
    ] = False,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Build and test the warehouse's star schemas with dbt (`dbt build`).

    Builds only what is downstream of the source tables that changed since the last
    successful build, its data tests on the rows loaded since, and nothing when nothing
    did; every SHOPSIGHT_FULL_TEST_DAYS days, and with `--all-tests`, it builds and tests
    everything (dbt's unit tests too). Exits 1 if a model fails or a test of
    severity error fails, and when the warehouse holds no loaded data (a build of empty
    tables proves nothing). After `shopsight withdraw`, and after an upgrade that
    changed the dbt project, the next build is a full refresh.
    """
    from shopsight.config import Settings
    from shopsight.ingest.warehouse import connect
    from shopsight.ingest.withdraw import complete_full_refresh, full_refresh_reasons

    settings = Settings().with_overrides(warehouse=warehouse)
    try:
        if not loaded_files(settings.warehouse):
            console.fail(
                f"the warehouse {settings.warehouse} holds no loaded data yet: nothing to "
                "build (run `shopsight ingest` first)",
                code=1,
            )
        started = datetime.now(UTC).replace(tzinfo=None)
        # A withdrawn file, or marts built by another version of the dbt project
        reasons = full_refresh_reasons(settings.warehouse)
        summary = run_build(
            settings.warehouse,
            select,
            full_refresh or bool(reasons),
            json_output,
            all_tests,
            reasons,
        )
        if summary.success and not select:  # every layer built: the requests are done
            opened = connect(settings.warehouse)
            try:
                complete_full_refresh(opened, started)
            finally:
                opened.close()
    except expected() as error:
        console.fail(str(error))
    console.print_json(summary.to_json()) if json_output else print_build(summary)
    if not summary.success:
        raise typer.Exit(1)
