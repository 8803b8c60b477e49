"""Benchmark: revenue reconciliation time for one month and for a year of orders.

    .venv/bin/python benchmarks/bench_reconcile.py [--orders 1000000]

Generates a year (365 days) of the retail_db export with --orders orders, ingests and builds
it, then times `shopsight reconcile` (each in a fresh process, peak memory included) over
one month and over the whole year, with Asia/Singapore business days: against the landing
tables (the daily control) and against the sales system's CSV export (`generate
sales-report`, timed too).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

DAYS = 365


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--landing-only",
        action="store_true",
        help="skip the sales export (its generation replays the store: slow at large scales)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-reconcile-"))
    bucket, warehouse = f"file://{work}/bucket", f"duckdb:///{work}/warehouse.duckdb"
    timed_process(
        shopsight(
            "generate",
            "retail-db",
            "--bucket",
            bucket,
            "--days",
            str(DAYS),
            "--orders",
            str(args.orders),
            "--json",
        )
    )
    timed_process(shopsight("ingest", "--bucket", bucket, "--warehouse", warehouse, "--json"))
    timed_process(shopsight("build", "--warehouse", warehouse, "--json"))
    print(f"store: {args.orders:,} orders over {DAYS} days")
    for label, start, end in [
        ("one month", "2024-06-01", "2024-06-30"),
        ("a year", "2024-01-01", "2024-12-30"),
    ]:
        export = work / f"sales-{start}-{end}.csv"
        sources = ["landing"]
        if not args.landing_only:
            seconds, peak, _ = timed_process(
                shopsight(
                    "generate",
                    "sales-report",
                    "--bucket",
                    bucket,
                    "--from",
                    start,
                    "--to",
                    end,
                    "--business-timezone",
                    "Asia/Singapore",
                    "--out",
                    str(export),
                    "--json",
                )
            )
            print(f"generate sales-report {label}: {seconds:,.1f} s, peak {peak:,.0f} MB")
            sources.append(str(export))
        for source in sources:
            seconds, peak, out = timed_process(
                shopsight(
                    "reconcile",
                    "--from",
                    start,
                    "--to",
                    end,
                    "--source",
                    source,
                    "--business-timezone",
                    "Asia/Singapore",
                    "--bucket",
                    bucket,
                    "--warehouse",
                    warehouse,
                    "--json",
                )
            )
            report = json.loads(out)
            orders = sum(cause["orders"] for cause in report["causes"].values())
            name = "landing" if source == "landing" else "sales export"
            print(
                f"reconcile {label} ({start} to {end}) vs {name}: {seconds:,.1f} s, peak "
                f"{peak:,.0f} MB; {report['source_orders']:,} orders, gap {report['gap']}, "
                f"{len(report['causes'])} causes, {orders:,} order entries, unexplained "
                f"{report['unexplained']}"
            )


if __name__ == "__main__":
    main()
