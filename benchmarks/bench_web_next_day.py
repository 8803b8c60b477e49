"""Benchmark: the web shop's next day against a bulk day of the same size (issue 31).

    .venv/bin/python benchmarks/bench_web_next_day.py [--users 1000000] [--next-days 5]

Generates the web shop (90 days) into a temporary `file://` bucket, then writes its next
days one by one, each a whole `shopsight generate next-day` process (the web shop and the
transactions feed of the day). The anchor is the command's start (`shopsight generate
thelook --help`, timed in the same run) plus the bulk generation's time for as many rows
as the day has: the days grow as the store does, and the last ones are about 3x the
average day, so a day of the bulk's average size would flatter the bulk.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def web_rows(summary: dict) -> int:
    return sum(summary["rows"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--next-days", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-web-next-day-"))
    bucket = f"file://{work}"
    try:
        bulk = ["--bucket", bucket, "--users", str(args.users), "--days", str(args.days)]
        bulk += ["--faults", "none"]
        bulk_s, _, out = timed_process(shopsight("generate", "thelook", *bulk, "--json"))
        bulk_rows = web_rows(json.loads(out))
        start_s, _, _ = timed_process(shopsight("generate", "thelook", "--help"))
        print(f"bulk: {args.users:,} users over {args.days} days, {bulk_rows:,} rows")
        print(f"in {bulk_s:.1f} s; the command's start {start_s:.2f} s", flush=True)
        print("| next day | rows | wall | start + bulk rate | ratio |")
        print("|---|---|---|---|---|")
        for _ in range(args.next_days):
            command = shopsight("generate", "next-day", "--bucket", bucket, "--json")
            seconds, _, out = timed_process(command)
            written = json.loads(out)
            rows = web_rows(written["sources"]["thelook"])
            anchor = start_s + bulk_s * rows / bulk_rows
            print(
                f"| {written['day']} | {rows:,} | {seconds:.2f} s | {anchor:.2f} s "
                f"| {seconds / anchor:.2f}x |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
