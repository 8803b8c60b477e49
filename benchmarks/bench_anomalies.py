"""Benchmark: precision and recall of the anomaly monitors over many stores (issue 33).

    .venv/bin/python benchmarks/bench_anomalies.py [--seeds 20] [--orders 8000] [--days 70]

Per seed, a store of every source (no faults) is generated with that seed, one day of each
anomaly kind is injected (`generate demo --anomalies` does the same on the demo), and the
store is loaded and built (`shopsight ingest`, `loyalty`, `build`). Then every day from the
fifth week to the last is checked as the daily run checks its day (`check_anomalies`).

Reported:
- **recall per kind**: the injected anomalies found on their day by a monitor the manifest
  names, naming the part it names (the lost category, the vanished traffic source, the
  customer of the wave);
- **precision by day**: of the days that raised any anomaly, the share that had one
  injected; and the days raised on a store that had nothing injected on them;
- **cost**: the anomaly check of the last day against the same store's `shopsight build`
  (full) and its daily run, in the same process and run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.generate.anomalies import FIRST_OFFSET, KINDS, inject_anomalies
from shopsight.generate.export import generate_retail_db
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

START = date(2024, 1, 1)


def shopsight(env: dict[str, str], *args: str) -> float:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "shopsight", *args], env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"shopsight {' '.join(args)} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - began


def one_store(root: Path, seed: int, orders: int, days: int) -> dict[str, object]:
    bucket = Bucket(f"file://{root}/bucket")
    generate_retail_db(bucket, START, days, orders, seed, "none")
    generate_thelook(bucket, START, days, orders // 4, seed, "none")
    generate_transactions(bucket, START, days, orders // 4, seed, "none")
    injected = inject_anomalies(bucket, START, days, seed)
    env = {
        **os.environ,
        "SHOPSIGHT_BUCKET": bucket.url,
        "SHOPSIGHT_WAREHOUSE": f"duckdb:///{root}/warehouse.duckdb",
        "SHOPSIGHT_STATE_DIR": str(root / "state"),
    }
    seconds = {command: shopsight(env, command) for command in ("ingest", "loyalty", "build")}
    warehouse = connect(env["SHOPSIGHT_WAREHOUSE"])
    try:
        monitors = load_monitors()
        found = []
        last = START + timedelta(days=days - 2)
        for offset in range(FIRST_OFFSET - 7, days - 1):
            day = START + timedelta(days=offset)
            began = time.perf_counter()
            found += check_anomalies(warehouse, monitors, day).anomalies
            if day == last:
                seconds["check"] = time.perf_counter() - began
    finally:
        warehouse.close()
    hits = {
        a.kind: any(
            f["day"] == a.day
            and f["monitor"] in a.monitors
            and (a.part is None or a.part in [p["name"] for p in f["parts"]])
            for f in found
        )
        for a in injected
    }
    flagged = {f["day"] for f in found}
    injected_days = {a.day for a in injected}
    return {
        "seed": seed,
        "hits": hits,
        "flagged_days": len(flagged),
        "true_days": len(flagged & injected_days),
        "false_days": sorted(flagged - injected_days),
        "false_sentences": [f["sentence"] for f in found if f["day"] not in injected_days],
        "checked_days": days - 1 - (FIRST_OFFSET - 7),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--orders", type=int, default=8000)
    parser.add_argument("--days", type=int, default=70)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for seed in range(1, args.seeds + 1):
        with tempfile.TemporaryDirectory(prefix="bench-anomalies-") as root:
            result = one_store(Path(root), seed, args.orders, args.days)
        results.append(result)
        print(
            f"seed {seed:2}: found {sum(result['hits'].values())}/{len(KINDS)}, "
            f"days flagged {result['flagged_days']} (false {len(result['false_days'])})",
            file=sys.stderr,
            flush=True,
        )
    if args.json:
        print(json.dumps(results, indent=2, default=str))
        return
    found = Counter(kind for r in results for kind, hit in r["hits"].items() if hit)
    print(
        f"{len(results)} stores of {args.orders:,} orders over {args.days} days, one of each "
        "kind injected per store\n"
    )
    print("| kind | found with its part | recall |")
    print("|---|---|---|")
    for kind in KINDS:
        print(f"| {kind} | {found[kind]}/{len(results)} | {found[kind] / len(results):.0%} |")
    total = sum(found.values())
    print(
        f"| **all** | {total}/{len(results) * len(KINDS)} | "
        f"{total / (len(results) * len(KINDS)):.0%} |\n"
    )
    flagged = sum(r["flagged_days"] for r in results)
    true = sum(r["true_days"] for r in results)
    checked = sum(r["checked_days"] for r in results)
    clean = checked - len(results) * len(KINDS)
    false = flagged - true
    print(
        f"precision by day: {true}/{flagged} = {true / flagged:.1%} of the flagged days had "
        f"an anomaly injected; {false} of {clean} clean days flagged "
        f"({false / clean:.1%})\n"
    )
    check = sorted(r["seconds"]["check"] for r in results)[len(results) // 2]
    build = sorted(r["seconds"]["build"] for r in results)[len(results) // 2]
    run = sorted(sum(r["seconds"].values()) - r["seconds"]["check"] for r in results)
    daily = run[len(results) // 2]
    print(
        f"cost (medians): the check of one day {check:.2f} s; the full build {build:.1f} s "
        f"({check / build:.1%}); ingest + loyalty + build {daily:.1f} s ({check / daily:.1%})"
    )
    for r in results:
        for sentence in r["false_sentences"]:
            print(f"  false (seed {r['seed']}): {sentence}")


if __name__ == "__main__":
    main()
