"""`shopsight generate`: synthetic sources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shopsight import console
from shopsight.cli.app import generate_app
from shopsight.cli.options import BucketOption, JsonOption, expected, parse_day, parse_zone

if TYPE_CHECKING:
    from shopsight.generate.summary import GenerationSummary
    from shopsight.storage import Bucket


def _start_day(start: str, option: str = "--start") -> date:
    return parse_day(start, option)


def _generate(
    source: str,
    bucket: str | None,
    days: int,
    json_output: bool,
    write: Callable[[Bucket, Callable[[date], None]], GenerationSummary],
) -> None:
    """Run one generator with a progress bar and report what it wrote."""
    from shopsight.config import Settings
    from shopsight.storage import Bucket

    settings = Settings().with_overrides(bucket=bucket)
    try:
        target = Bucket(settings.bucket, settings)
        with console.progress_bar(f"generating {source}", json_output) as bar:
            task = bar.add_task("days", total=days)
            summary = write(target, lambda _: bar.advance(task))
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(summary.to_json())
        return
    console.print_table(
        f"generated {summary.files} files in {target.url}",
        ["table", "rows"],
        [[t, n] for t, n in summary.rows.items()],
    )
    console.say(f"{len(summary.faults)} faults logged in {summary.manifest}")


StartOption = Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="First day, YYYY-MM-DD.")]
DaysOption = Annotated[int, typer.Option(metavar="N", help="Number of daily exports.")]
SeedOption = Annotated[int, typer.Option(metavar="N", help="Random seed; same seed, same files.")]
FaultsOption = Annotated[
    str,
    typer.Option(
        metavar="[none|default]", help="none, or default (one of each fault class that applies)."
    ),
]


@generate_app.command("retail-db")
def generate_retail_db_command(
    bucket: BucketOption = None,
    start: StartOption = "2024-01-01",
    days: DaysOption = 90,
    orders: Annotated[
        int, typer.Option(metavar="N", help="Orders over the whole period.")
    ] = 20_000,
    seed: SeedOption = 42,
    faults: FaultsOption = "none",
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="On the middle day, list products at 0.00 as the real export does "
            "(they load with a warning).",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Write the retail_db OLTP export: one headerless CSV per table per day."""
    from shopsight.generate.export import generate_retail_db

    first = _start_day(start)
    _generate(
        "retail_db",
        bucket,
        days,
        json_output,
        lambda target, on_day: generate_retail_db(
            target, first, days, orders, seed, faults, on_day=on_day, drift=drift
        ),
    )


@generate_app.command("thelook")
def generate_thelook_command(
    bucket: BucketOption = None,
    start: StartOption = "2024-01-01",
    days: DaysOption = 90,
    users: Annotated[
        int, typer.Option(metavar="N", help="Users signing up over the period.")
    ] = 10_000,
    seed: SeedOption = 42,
    faults: FaultsOption = "none",
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="From the middle day on, write files as the live dataset does: geometry "
            "columns, reordered columns, `null`, microseconds, float money.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Write the thelook web shop's export: one CSV (with a header) per table per day."""
    from shopsight.generate.thelook_export import generate_thelook

    first = _start_day(start)
    _generate(
        "thelook",
        bucket,
        days,
        json_output,
        lambda target, on_day: generate_thelook(
            target, first, days, users, seed, faults, on_day=on_day, drift=drift
        ),
    )


@generate_app.command("transactions")
def generate_transactions_command(
    bucket: BucketOption = None,
    start: StartOption = "2024-01-01",
    days: DaysOption = 90,
    users: Annotated[
        int, typer.Option(metavar="N", help="Users, as given to `generate thelook`.")
    ] = 10_000,
    seed: SeedOption = 42,
    faults: FaultsOption = "none",
    json_output: JsonOption = False,
) -> None:
    """Write the transactions feed (JSON lines, one file per day) from the web shop's orders.

    Use the same --start/--days/--users/--seed as `generate thelook`: each transaction is one
    of its orders (amount = the items' sale prices; repeat = not the user's first order).
    """
    from shopsight.generate.transactions import generate_transactions

    first = _start_day(start)
    _generate(
        "transactions",
        bucket,
        days,
        json_output,
        lambda target, on_day: generate_transactions(
            target, first, days, users, seed, faults, on_day=on_day
        ),
    )


@generate_app.command("demo")
def generate_demo_command(
    bucket: BucketOption = None,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="Do nothing if the bucket already holds landed files."),
    ] = False,
    anomalies: Annotated[
        bool,
        typer.Option(
            "--anomalies",
            help="Also one day of each anomaly kind (valid files, wrong content), logged in "
            "manifests/anomalies/.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Write 90 days (from 2024-01-01) of every source with one of each fault class: the
    store's export (20,000 orders), the web shop (5,000 users) and its transactions feed."""
    from shopsight.config import Settings
    from shopsight.generate.anomalies import inject_anomalies
    from shopsight.generate.demo_store import DEMO_DAYS, DEMO_SEED, DEMO_SOURCES, DEMO_START
    from shopsight.storage import Bucket

    settings = Settings().with_overrides(bucket=bucket)
    try:
        target = Bucket(settings.bucket, settings)
        if if_empty and not target.is_empty("landing/"):
            if not json_output:
                console.out.print(f"{target.url} already holds landed files: nothing generated")
            return
        with console.progress_bar("generating the demo store", json_output) as bar:
            task = bar.add_task("sources", total=3)
            summaries = {}
            for source, write in DEMO_SOURCES.items():
                summaries[source] = write(target).to_json()
                bar.advance(task)
            injected = (
                inject_anomalies(target, DEMO_START, DEMO_DAYS, DEMO_SEED) if anomalies else []
            )
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({**summaries, "anomalies": [a.to_json() for a in injected]})
        return
    console.print_table(
        f"demo store in {target.url}",
        ["source", "files", "faults"],
        [[source, s["files"], s["faults"]] for source, s in summaries.items()],
    )
    for anomaly in injected:
        console.say(f"anomaly {anomaly.kind} on {anomaly.day}")


@generate_app.command("next-day")
def generate_next_day_command(bucket: BucketOption = None, json_output: JsonOption = False) -> None:
    """Land the day after the latest landed day, for every source, continuing the same
    store (ids, users, sessions, prices); no faults; the same files for the same seed.

    Then `shopsight run --date <that day>` runs the new day.
    """
    from shopsight.config import Settings
    from shopsight.generate.next_day import generate_next_day
    from shopsight.storage import Bucket

    settings = Settings().with_overrides(bucket=bucket)
    try:
        target = Bucket(settings.bucket, settings, create=False)
        target.require()
        with console.progress_bar("generating the next day", json_output) as bar:
            task = bar.add_task("sources", total=None)
            written = generate_next_day(target)
            bar.advance(task)
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json(written.to_json())
        return
    console.print_table(
        f"{written.day} landed in {target.url}",
        ["source", "files", "rows"],
        [[name, s.files, sum(s.rows.values())] for name, s in written.sources.items()],
    )
    console.say(f"Run it: shopsight run --date {written.day}")


@generate_app.command("sales-report")
def generate_sales_report_command(
    from_day: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="First local day, YYYY-MM-DD.")
    ],
    to_day: Annotated[
        str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last local day (inclusive).")
    ],
    out: Annotated[
        Path, typer.Option(metavar="FILE", help="Where to write the CSV export.")
    ] = Path("var/sales-report.csv"),
    business_timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="The sales system's time zone. Default: SHOPSIGHT_BUSINESS_TIMEZONE.",
        ),
    ] = None,
    duplicates: Annotated[
        int,
        typer.Option(
            metavar="N", min=0, help="Orders listed twice, as an export taken mid-edit does."
        ),
    ] = 5,
    bucket: BucketOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the sales system's order export for the retail_db store in the bucket.

    One row per order (order_id, local order_date, order_status, item_count, order_total as
    a float), every status, local days; it replays the store, so it also has orders whose
    files have not arrived. A manifest beside it records the conventions and the true
    amounts of rounding, duplicates and undelivered orders. Reconcile against it with
    `shopsight reconcile --source FILE`.
    """
    from shopsight.config import Settings
    from shopsight.generate.sales_report import generate_sales_report
    from shopsight.storage import Bucket

    start, end = _start_day(from_day, "--from"), _start_day(to_day, "--to")
    settings = Settings().with_overrides(bucket=bucket)
    zone = business_timezone or settings.business_timezone
    parse_zone(zone, "--business-timezone")
    try:
        target = Bucket(settings.bucket, settings)
        with console.progress_bar("replaying the sales system", json_output) as bar:
            task = bar.add_task("days", total=None)
            report = generate_sales_report(
                target, start, end, zone, out, duplicates, on_day=lambda _: bar.advance(task)
            )
    except expected() as error:
        console.fail(str(error))
    except KeyError as error:
        console.fail(f"--business-timezone: unknown time zone {error}")
    if json_output:
        console.print_json(report.to_json())
        return
    console.out.print(
        f"wrote {report.rows:,} rows ({report.orders:,} orders, {report.total:,.2f} gross, "
        f"{zone} days) to {report.path}; conventions and true causes in {report.manifest}"
    )
