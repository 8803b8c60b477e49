"""Benchmark: the whole daily chain at N orders on one store, with the engine's own speed beside it.

    .venv/bin/python benchmarks/bench_scale.py --orders 1000000 [--days 365]
        [--parts duckdb postgres events] [--events-users 1000000] [--memory-limit 1GB]
    .venv/bin/python benchmarks/bench_scale.py --engine spark --orders 1000000 [--days 365]
        [--workers 1 2]

Steps, each in its own process (wall time and that process's peak RSS). Part `duckdb` (the
default): generate the retail_db export; ingest it into DuckDB, beside a plain DuckDB
`read_csv` of the same files (explicit columns, `store_rejects`) and the ratio; the full
build; one more day landed, ingested and built incrementally; the stalled-products query;
reconcile a month and the year; the daily report. Part `postgres`, on a throwaway server: a
plain `COPY` of the same files into tables with a primary key, ShopSight's ingest, the full
build, and the next day's ingest and incremental build. Part `events`: the web shop at
--events-users users over 90 days (its last day held back), ingested, scored and built (a
warehouse holding only the web shop, so the build is the events star's), then the held-back
day ingested and built incrementally. The retail parts end with the day after the next day,
ingested and built on each engine: the steady state of a daily run (the next day's build is
the first after the bulk load, and re-reads its last batch). Ends with a Markdown table of
every figure and its target; a build that fails stops the run there, the store kept. With
--memory-limit every ShopSight step runs under that DuckDB limit (spilling to the work
folder), and the retail marts are compared with a full build of a copy without it.

With `--engine spark` the retail chain runs on a Spark standalone cluster started for the
run, with 1 and then 2 workers, beside DuckDB in the same run (`bench_spark.py`, which
takes the remaining options: `--workers`, `--worker-memory`, `--executor-memory`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

from servers import running_postgres  # noqa: E402

START = date(2024, 1, 1)
TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]

PLAIN_DUCKDB = """
import duckdb, json, sys
database, bucket, columns = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
connection = duckdb.connect(database)
connection.execute("set enable_progress_bar = false")
dialect = "header = false, auto_detect = false, delim = ',', quote = '\\"', escape = '\\"'"
for table, types in columns.items():
    spec = ", ".join(f"'{name}': '{type_}'" for name, type_ in types.items())
    connection.execute(
        f"create table {table} as select * from read_csv('{bucket}/landing/retail_db/{table}/*/*', "
        f"{dialect}, columns = {{{spec}}}, store_rejects = true, "
        f"timestampformat = '%Y-%m-%d %H:%M:%S.%g')"
    )
print(connection.execute("select count(*) from reject_errors").fetchone()[0])
"""

PLAIN_COPY = """
import glob, json, sys, psycopg
url, bucket = sys.argv[1], sys.argv[2]
columns, keys = json.loads(sys.argv[3]), json.loads(sys.argv[4])
rows = 0
with psycopg.connect(url, autocommit=True) as connection:
    connection.execute("create schema plain")
    for table, types in columns.items():
        body = ", ".join(f"{name} {type_}" for name, type_ in types.items())
        # Order lines are never re-delivered: their key is a primary key, as in ours. The
        # other tables re-deliver rows by key (statuses, prices, moves), so no key there.
        key = f", primary key ({keys[table]})" if table == "order_items" else ""
        connection.execute(f"create table plain.{table} ({body}{key})")
    for table in columns:
        for path in sorted(glob.glob(f"{bucket}/landing/retail_db/{table}/*/*")):
            with open(path, "rb") as handle, connection.cursor() as cursor:
                with cursor.copy(f"copy plain.{table} from stdin (format csv)") as copy:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
        rows += connection.execute(f"select count(*) from plain.{table}").fetchone()[0]
print(rows)
"""


STALLED = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench_warehouse import stalled_query_seconds
print(json.dumps(stalled_query_seconds(Path(sys.argv[1]), sys.argv[2])))
"""


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: float | None = None
    anchor: str = ""
    ratio: str = ""
    target: str = ""
    note: str = ""


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def contract_columns(dialect: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    from shopsight.contracts.ddl import sql_type
    from shopsight.contracts.model import load_contract

    contract = load_contract("retail_db")
    columns = {
        name: {c.name: sql_type(c, dialect) for c in table.columns}  # type: ignore[arg-type]
        for name, table in contract.tables.items()
    }
    keys = {name: ", ".join(table.primary_key) for name, table in contract.tables.items()}
    return columns, keys


def size_mb(path: Path) -> float:
    files = [path] + [p for p in path.parent.glob(path.name + ".wal")]
    return sum(p.stat().st_size for p in files if p.exists()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["duckdb", "postgres", "events"],
        default=["duckdb"],
        help="which chains to run (default: duckdb)",
    )
    parser.add_argument("--events-users", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="run every ShopSight step under SHOPSIGHT_MEMORY_LIMIT=SIZE (spilling to the "
        "work folder), then check the retail marts against an unconstrained full build",
    )
    parser.add_argument(
        "--after-incremental",
        type=Path,
        metavar="FOLDER",
        help="only the steps after the incremental build, in a kept work folder",
    )
    parser.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="spark: the retail chain on a local Spark cluster beside DuckDB "
        "(bench_spark.py; it takes the options not listed here)",
    )
    args, spark_options = parser.parse_known_args()
    if args.engine == "spark":
        if args.parts != ["duckdb"] or args.memory_limit or args.after_incremental:
            parser.error(
                "--engine spark runs the retail chain only, without --parts, "
                "--memory-limit or --after-incremental"
            )
        on_spark(args, spark_options)
        return
    if spark_options:
        parser.error(f"unrecognized arguments: {' '.join(spark_options)}")
    work = args.after_incremental or Path(tempfile.mkdtemp(prefix="shopsight-scale-"))
    bucket_path = work / "bucket"
    bucket = f"file://{bucket_path}"
    database = work / "warehouse.duckdb"
    warehouse = f"duckdb:///{database}"
    steps: list[Step] = []

    def run(name: str, command: list[str], target: str = "") -> tuple[Step, dict]:
        seconds, peak, out = timed_process(command)
        step = Step(name, seconds, peak, target=target)
        steps.append(step)
        print(f"{name}: {seconds:,.1f} s, peak {peak:,.0f} MB", flush=True)
        try:
            parsed = json.loads(out)
        except json.JSONDecodeError:
            return step, {}
        if parsed.get("success") is False:  # a red build: what follows would time a broken store
            node = (parsed.get("failures") or [{}])[0].get("node", "see its output")
            print_table(args, steps)
            raise SystemExit(f"{name} failed ({node}); stopped here, the store is kept in {work}")
        return step, parsed

    if args.after_incremental and args.parts != ["duckdb"]:
        parser.error("--after-incremental finishes the duckdb part only")
    if args.memory_limit:
        os.environ["SHOPSIGHT_MEMORY_LIMIT"] = args.memory_limit
        os.environ["SHOPSIGHT_TEMP_DIRECTORY"] = str(work / "spill")
    retail = {"duckdb", "postgres"} & set(args.parts)
    with contextlib.ExitStack() as stack:
        postgres_url = stack.enter_context(running_postgres()) if "postgres" in retail else ""
        if retail and not args.after_incremental:
            chain_until_incremental(args, work, steps, run, postgres_url)
        if "duckdb" in retail:
            after_the_builds(args, database, bucket, warehouse, steps, run)
            if args.memory_limit:
                unconstrained_equal(args.memory_limit, database, steps)
        if postgres_url:
            next_day_ingest_and_build(run, "PostgreSQL", bucket, postgres_url, "<= 60 s")
        if retail and not args.after_incremental:
            the_day_after(args, run, bucket, warehouse if "duckdb" in retail else "", postgres_url)
    if "events" in args.parts:
        events_star(args.events_users, work / "web", run)

    print_table(args, steps)
    if args.keep:
        print(f"kept: {work}")
    elif not args.after_incremental:
        shutil.rmtree(work, ignore_errors=True)


def on_spark(args, options: list[str]) -> None:
    """The retail chain on Spark (1 and 2 workers) beside DuckDB: bench_spark.py, with this
    run's store size."""
    command = [
        sys.executable, str(Path(__file__).with_name("bench_spark.py")),
        "--orders", str(args.orders), "--days", str(args.days), *options,
    ]  # fmt: skip
    if args.keep:
        command.append("--keep")
    raise SystemExit(subprocess.run(command, check=False).returncode)


def after_the_builds(
    args, database: Path, bucket: str, warehouse: str, steps: list[Step], run
) -> None:
    """The stalled-products query, reconciling a month and the year, the report."""
    # In its own process: dbt (which compiles the analysis) keeps the warehouse open.
    _, _, out = timed_process([sys.executable, "-c", STALLED, str(database), warehouse])
    from_lines, from_mart, found = json.loads(out.strip().splitlines()[-1])
    steps.append(
        Step(
            "stalled-products query",
            from_mart,
            target="<= 0.5 s",
            note=f"mart lookup; from the order lines {from_lines:.2f} s ({found} products)",
        )
    )

    last = START + timedelta(days=args.days - 1)
    month = (last.replace(day=1), last)
    for label, (first, end), target in [
        ("reconcile a month", month, ""),
        ("reconcile the year", (START, last), "<= 60 s"),
    ]:
        step, result = run(
            label,
            shopsight("reconcile", "--from", first.isoformat(), "--to", end.isoformat())
            + ["--source", "landing", "--business-timezone", "Asia/Singapore"]
            + ["--bucket", bucket, "--warehouse", warehouse, "--json"],
            target,
        )
        step.note = (
            f"{result.get('source_orders', 0):,} orders, gap {result.get('gap')}, "
            f"unexplained {result.get('unexplained')}"
        )
    run("daily report", shopsight("report", "--bucket", bucket, "--warehouse", warehouse, "--json"))
    anomalies_check(args, warehouse, steps, run)


def anomalies_check(args, warehouse: str, steps: list[Step], run) -> None:
    """The daily run's anomalies step on the next day, against that day's ingest and build.
    The day before is checked first, as its own run would have: that check profiles the
    landed tables' window once (its cost is reported too); the next day's profiles only
    its own files, as every daily run does."""
    days = [(START + timedelta(days=args.days - n)).isoformat() for n in (1, 0)]
    step, check = run(
        "anomalies check, the next day",
        [sys.executable, "-c", ANOMALIES_CHECK, warehouse, *days],
        "<= 5 % of the daily run",
    )
    # The step's own time, as the daily run spends it (the process adds Python's start-up).
    first, step.seconds = check.get("seconds", [step.seconds, step.seconds])
    daily = [
        s for s in steps if s.name in ("ingest one more day (DuckDB)", "incremental build (DuckDB)")
    ]
    if len(daily) == 2:
        seconds = sum(s.seconds for s in daily)
        step.anchor = f"next day's ingest + build {seconds:,.1f} s"
        step.ratio = f"{step.seconds / seconds:.1%}"
    step.note = (
        f"{check.get('monitors', 0)} mart monitors, {len(check.get('anomalies', []))} anomalies, "
        f"{len(check.get('errors', []))} errors, {len(check.get('learning', []))} learning; "
        f"the day before, profiling the window first: {first:,.1f} s"
    )


ANOMALIES_CHECK = """
import json, sys, time
from datetime import date
from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.ingest.ledger import OPS_DDL
from shopsight.ingest.warehouse import connect
warehouse = connect(sys.argv[1])
warehouse.execute_script(OPS_DDL)
seconds = []
for day in sys.argv[2:]:
    began = time.perf_counter()
    check = check_anomalies(warehouse, load_monitors(), date.fromisoformat(day))
    seconds.append(time.perf_counter() - began)
print(json.dumps({**check.to_json(), "seconds": seconds}, default=str))
"""


EQUAL_MARTS = """
import duckdb, json, sys
limited, unconstrained, limit, spill = sys.argv[1:5]
# Under the same limit as the steps: unbounded, EXCEPT ALL over 90 M rows held 20 GB.
connection = duckdb.connect(
    limited, read_only=True, config={"memory_limit": limit, "temp_directory": spill}
)
connection.execute("set enable_progress_bar = false")
connection.execute(f"attach '{unconstrained}' as unconstrained (read_only)")
tables = connection.execute(
    "select table_schema, table_name from information_schema.tables where table_catalog = "
    "current_database() and table_schema = 'marts' and table_type = 'BASE TABLE'"
).fetchall()
unequal, rows = [], 0
for schema, table in tables:
    columns = [c for (c,) in connection.execute(
        "select column_name from information_schema.columns where table_catalog = "
        "current_database() and table_schema = ? and table_name = ? "
        "and column_name <> 'source_loaded_at' order by ordinal_position", [schema, table]
    ).fetchall()]
    listed = ", ".join(f'"{c}"' for c in columns)
    mine, theirs = f"select {listed} from {schema}.{table}", (
        f"select {listed} from unconstrained.{schema}.{table}")
    differ = connection.execute(
        f"select (select count(*) from ({mine} except all {theirs})) + "
        f"(select count(*) from ({theirs} except all {mine}))"
    ).fetchone()[0]
    rows += connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
    if differ:
        unequal.append(f"{table}: {differ}")
print(json.dumps({"tables": len(tables), "rows": rows, "unequal": unequal}))
"""


def unconstrained_equal(limit: str, database: Path, steps: list[Step]) -> None:
    """The marts built under the memory limit against a full build of a copy without it."""
    copy = database.with_name("unconstrained.duckdb")
    shutil.copyfile(database, copy)
    saved = {key: os.environ.pop(key) for key in ("SHOPSIGHT_MEMORY_LIMIT",)}
    try:
        seconds, peak, _ = timed_process(
            shopsight("build", "--warehouse", f"duckdb:///{copy}", "--full-refresh", "--json")
        )
    finally:
        os.environ.update(saved)
    _, _, out = timed_process(
        [sys.executable, "-c", EQUAL_MARTS, str(database), str(copy), limit]
        + [os.environ["SHOPSIGHT_TEMP_DIRECTORY"]]
    )
    result = json.loads(out.strip().splitlines()[-1])
    steps.append(
        Step(
            f"marts under {limit} vs unconstrained",
            seconds,
            peak,
            anchor="full build without the limit",
            target="equal",
            note=(
                f"{result['tables']} tables, {result['rows']:,} rows: "
                + ("equal" if not result["unequal"] else "UNEQUAL " + "; ".join(result["unequal"]))
            ),
        )
    )
    copy.unlink()


def chain_until_incremental(args, work: Path, steps: list[Step], run, postgres_url: str) -> None:
    """Generate, ingest, build, then one more day ingested and built incrementally."""
    bucket_path = work / "bucket"
    bucket = f"file://{bucket_path}"
    database = work / "warehouse.duckdb"
    warehouse = f"duckdb:///{database}"
    step, summary = run(
        "generate retail_db",
        shopsight(
            "generate",
            "retail-db",
            "--bucket",
            bucket,
            "--orders",
            str(args.orders),
            "--days",
            str(args.days),
            "--faults",
            "none",
            "--json",
        ),
        "<= 180 s at 30 M",
    )
    landed = sum(p.stat().st_size for p in (bucket_path / "landing").rglob("*") if p.is_file())
    rows = sum(summary["rows"].values())
    step.note = f"{summary['rows']['orders']:,} order rows, {rows:,} rows, {landed / 1e6:,.0f} MB"
    # The command's own start (Python, NumPy, Arrow, the CLI), which a day run alone pays
    # whole and the bulk once: a day's anchor is the start plus a day of the bulk.
    start, _, _ = timed_process(shopsight("generate", "retail-db", "--help"))
    GENERATED.update(start=start, per_day=max(step.seconds - start, 0.0) / args.days)

    if "duckdb" in args.parts:
        duckdb_full(bucket_path, work, steps, run)
    if postgres_url:
        postgres_full(run, bucket, bucket_path, postgres_url)

    next_day = (START + timedelta(days=args.days)).isoformat()
    step, _ = run(
        "generate one more day",
        shopsight("generate", "retail-db", "--bucket", bucket, "--start", next_day, "--days", "1")
        + ["--orders", str(args.orders), "--faults", "none", "--json"],
    )
    per_day_of_bulk(step)
    if "duckdb" in args.parts:
        next_day_ingest_and_build(run, "DuckDB", bucket, warehouse, "<= 15 s")


GENERATED: dict[str, float] = {}


def per_day_of_bulk(step: Step) -> None:
    """A day generated on its own against the command's start plus a day of the bulk
    generation (issue 31: the next day's generator at the same speed per day)."""
    if "per_day" in GENERATED:
        start, per_day = GENERATED["start"], GENERATED["per_day"]
        step.anchor = f"start {start:.2f} s + a bulk day {per_day:.2f} s"
        step.ratio = f"{step.seconds / (start + per_day):.2f}x"
        step.target = "about 1x"


def duckdb_full(bucket_path: Path, work: Path, steps: list[Step], run) -> None:
    """Plain DuckDB read_csv, ShopSight's ingest, the full build and the warehouse's size."""
    bucket = f"file://{bucket_path}"
    database = work / "warehouse.duckdb"
    warehouse = f"duckdb:///{database}"
    duck_columns, _ = contract_columns("duckdb")
    plain = work / "plain.duckdb"
    plain_s, plain_peak, out = timed_process(
        [sys.executable, "-c", PLAIN_DUCKDB, str(plain), str(bucket_path), json.dumps(duck_columns)]
    )
    print(f"plain duckdb read_csv: {plain_s:,.1f} s, {out.strip()} rejects", flush=True)
    step, report = run(
        "ingest (DuckDB)",
        shopsight("ingest", "--bucket", bucket, "--warehouse", warehouse, "--json"),
        "<= 1.5x plain read_csv",
    )
    step.anchor = f"read_csv {plain_s:,.1f} s, {plain_peak:,.0f} MB"
    step.ratio = f"{step.seconds / plain_s:.2f}x"
    step.note = (
        f"{report.get('rows_loaded', 0):,} rows loaded, {report.get('rows_rejected')} rejected"
    )
    ingested_mb = size_mb(database)

    step, summary = run(
        "full build (DuckDB)",
        shopsight("build", "--warehouse", warehouse, "--json"),
        "<= 120 s, peak <= 6 GB",
    )
    step.note = f"success={summary.get('success')}"
    nothing_new_build(run, "DuckDB", warehouse, step.seconds)
    steps.append(
        Step(
            "warehouse size",
            0,
            anchor=f"plain tables {size_mb(plain):,.0f} MB",
            ratio=f"{ingested_mb / size_mb(plain):.2f}x",
            target="<= 2x plain",
            note=f"landing+history {ingested_mb:,.0f} MB; with marts {size_mb(database):,.0f} MB",
        )
    )


# Per engine: (full build, build with nothing new) seconds, for the next day's ratio.
BUILDS: dict[str, tuple[float, float]] = {}


def nothing_new_build(run, engine: str, url: str, full_seconds: float) -> None:
    """The same build again with nothing loaded since: the daily run's fixed cost."""
    step, summary = run(
        f"build with nothing new ({engine})",
        shopsight("build", "--warehouse", url, "--json"),
        "<= 10 s",
    )
    step.note = f"skipped={summary.get('skipped')}: {(summary.get('plan') or {}).get('reason')}"
    BUILDS[engine] = (full_seconds, step.seconds)


def the_day_after(args, run, bucket: str, duckdb_url: str, postgres_url: str) -> None:
    """One more day on top of the next day: the steady state of a daily run. The next day is
    the first build after the bulk load, and re-reads the last bulk batch with the day
    (decision 0038)."""
    day_after = (START + timedelta(days=args.days + 1)).isoformat()
    step, _ = run(
        "generate the day after",
        shopsight("generate", "retail-db", "--bucket", bucket, "--start", day_after, "--days", "1")
        + ["--orders", str(args.orders), "--faults", "none", "--json"],
    )
    per_day_of_bulk(step)
    for engine, url, target in (
        ("DuckDB", duckdb_url, "<= 15 s"),
        ("PostgreSQL", postgres_url, "<= 60 s"),
    ):
        if url:
            next_day_ingest_and_build(run, engine, bucket, url, target, "the day after")


def next_day_ingest_and_build(
    run, engine: str, bucket: str, url: str, target: str, day: str = "one more day"
) -> None:
    run(
        f"ingest {day} ({engine})",
        shopsight("ingest", "--bucket", bucket, "--warehouse", url, "--json"),
    )
    label = "incremental build" if day == "one more day" else f"build of {day}"
    step, summary = run(
        f"{label} ({engine})", shopsight("build", "--warehouse", url, "--json"), target
    )
    plan = summary.get("plan") or {}
    step.note = (
        f"success={summary.get('success')}, {summary.get('models', {}).get('success', 0)} "
        f"models, {sum(summary.get('tests', {}).values())} tests; changed: "
        f"{', '.join(t.split('.')[-1] for t in plan.get('changed_tables', []))}"
    )
    if engine in BUILDS:
        full, nothing = BUILDS[engine]
        step.anchor = f"full {full:,.1f} s, nothing new {nothing:,.1f} s"
        step.ratio = f"{(step.seconds - nothing) / full:.3f}"
        step.target = f"{target}; (next - nothing new) / full <= 0.10"


def postgres_full(run, bucket: str, bucket_path: Path, url: str) -> None:
    """Plain COPY, ShopSight's ingest and the full build on a throwaway server."""
    columns, keys = contract_columns("postgres")
    copy_s, copy_peak, out = timed_process(
        [
            sys.executable,
            "-c",
            PLAIN_COPY,
            url,
            str(bucket_path),
            json.dumps(columns),
            json.dumps(keys),
        ]
    )
    print(f"plain COPY: {copy_s:,.1f} s ({out.strip()} rows)", flush=True)
    step, report = run(
        "ingest (PostgreSQL)",
        shopsight("ingest", "--bucket", bucket, "--warehouse", url, "--json"),
        ">= 0.5x plain COPY",
    )
    loaded = report.get("rows_loaded", 0) + report.get("rows_rejected", 0)
    step.anchor = f"COPY {copy_s:,.1f} s"
    step.ratio = f"{copy_s / step.seconds:.2f}x"
    step.note = f"{loaded / step.seconds:,.0f} rows/s"
    step, summary = run(
        "full build (PostgreSQL)", shopsight("build", "--warehouse", url, "--json"), "<= 10 min"
    )
    step.note = f"success={summary.get('success')}"
    nothing_new_build(run, "PostgreSQL", url, step.seconds)


EVENT_DAYS = 90


def events_star(users: int, work: Path, run) -> None:
    """The web shop at ``users`` users: its first 89 days ingested, scored and built in a
    warehouse of its own, then the held-back 90th day ingested and built incrementally."""
    bucket_path, held = work / "bucket", work / "held-back"
    bucket = f"file://{bucket_path}"
    warehouse = f"duckdb:///{work / 'warehouse.duckdb'}"
    store = ["--bucket", bucket, "--warehouse", warehouse, "--json"]
    step, summary = run(
        "generate the web shop",
        shopsight("generate", "thelook", "--bucket", bucket, "--users", str(users))
        + ["--days", str(EVENT_DAYS), "--faults", "none", "--json"],
    )
    events = summary.get("rows", {}).get("events", 0)
    step.note = f"{users:,} users, {events:,} events over {EVENT_DAYS} days"
    last = f"dt={START + timedelta(days=EVENT_DAYS - 1)}"
    for folder in (bucket_path / "landing").glob(f"*/*/{last}"):
        target = held / folder.relative_to(bucket_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)
    step, report = run("ingest the web shop (89 days)", shopsight("ingest", *store))
    step.note = f"{report.get('rows_loaded', 0):,} rows loaded"
    run("loyalty scores", shopsight("loyalty", *store))
    step, summary = run(
        "events star: full build",
        shopsight("build", "--warehouse", warehouse, "--json"),
        "peak <= 6 GB",
    )
    step.note = f"success={summary.get('success')}"
    nothing_new_build(run, "web shop", warehouse, step.seconds)
    for folder in held.glob(f"landing/*/*/{last}"):
        target = bucket_path / folder.relative_to(held)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)
    step, report = run("ingest the web shop's 90th day", shopsight("ingest", *store))
    step.note = f"{report.get('rows_loaded', 0):,} rows loaded"
    step, summary = run(
        "events star: one more day",
        shopsight("build", "--warehouse", warehouse, "--json"),
        "<= 30 s",
    )
    step.note = f"success={summary.get('success')}"
    full, nothing = BUILDS["web shop"]
    step.anchor = f"full {full:,.1f} s, nothing new {nothing:,.1f} s"
    step.ratio = f"{(step.seconds - nothing) / full:.3f}"
    step.target = "(next - nothing new) / full <= 0.10"
    # The build above is the first after the bulk load: every table loaded after the orders
    # in that one ingest counts as new to the models whose watermark is the orders' load.
    # The day after is the daily run's steady state: the previous day built incrementally.
    run("generate the day after", shopsight("generate", "next-day", "--bucket", bucket, "--json"))
    step, report = run("ingest the day after", shopsight("ingest", *store))
    step.note = f"{report.get('rows_loaded', 0):,} rows loaded"
    step, summary = run(
        "events star: the day after (steady state)",
        shopsight("build", "--warehouse", warehouse, "--json"),
    )
    step.note = f"success={summary.get('success')}"
    step.anchor = f"full {full:,.1f} s, nothing new {nothing:,.1f} s"
    step.ratio = f"{(step.seconds - nothing) / full:.3f}"
    step.target = "(next - nothing new) / full <= 0.10"


def print_table(args, steps: list[Step]) -> None:
    shapes = []
    if {"duckdb", "postgres"} & set(args.parts):
        shapes.append(f"{args.orders:,} orders over {args.days} days")
    if "events" in args.parts:
        shapes.append(f"the web shop at {args.events_users:,} users over {EVENT_DAYS} days")
    shape = "; ".join(shapes)
    print(f"\n{' + '.join(args.parts)}: {shape}\n")
    print("| step | wall | peak RSS | anchor | ratio | target | notes |")
    print("|---|---|---|---|---|---|---|")
    for s in steps:
        wall = (
            f"{s.seconds:,.1f} s" if s.seconds >= 1 else (f"{s.seconds:.3f} s" if s.seconds else "")
        )
        peak = f"{s.peak_mb:,.0f} MB" if s.peak_mb is not None else ""
        print(f"| {s.name} | {wall} | {peak} | {s.anchor} | {s.ratio} | {s.target} | {s.note} |")


if __name__ == "__main__":
    main()
