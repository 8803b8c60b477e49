"""Benchmark: a landed file whose header carries N undeclared columns, for N doubling.

    .venv/bin/python benchmarks/bench_wide_headers.py [--rows 2000] [--widths 125,250,500,1000]

For each width, one thelook `users` file with N extra columns is ingested by `shopsight
ingest` (a fresh DuckDB warehouse; the landing table gains N columns), and the same file is
read by a plain DuckDB `create table as select * from read_csv(...)` in the same run. Each
load is its own process, so its peak memory is its own. Prints wall seconds, peak MB,
seconds per 100 columns and the ratio ShopSight / plain: a per-column cost that is linear
keeps the seconds per 100 columns flat as N doubles.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

from shopsight.generate.thelook_export import generate_thelook  # noqa: E402
from shopsight.storage import Bucket  # noqa: E402

KEY = "landing/thelook/users/dt=2024-03-01/part-00000.csv"
PLAIN = (
    "import duckdb, sys; duckdb.connect(sys.argv[1]).execute("
    "f\"create table users as select * from read_csv('{sys.argv[2]}', all_varchar=true)\")"
)


def wide_file(folder: Path, rows: int, width: int) -> Path:
    """A bucket holding one users file of about ``rows`` lines and ``width`` extra columns."""
    bucket = Bucket(f"file://{folder}/bucket")
    generate_thelook(bucket, date(2024, 3, 1), 1, rows, 5, "none")
    for info in bucket.list("landing/thelook/"):
        if not info.key.startswith("landing/thelook/users/"):
            (folder / "bucket" / info.key).unlink()
    header, *lines = bucket.read_bytes(KEY).decode().splitlines()
    extra = ",".join(f"extra_{n}" for n in range(width))
    values = ",".join(f"v{n}" for n in range(width))
    body = [f"{header},{extra}", *(f"{line},{values}" for line in lines)]
    bucket.write_bytes(KEY, ("\n".join(body) + "\n").encode())
    return folder / "bucket"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="users per file (about)")
    parser.add_argument("--widths", default="125,250,500,1000")
    args = parser.parse_args()
    print(f"{'columns':>8} {'lines':>6} {'shopsight s':>12} {'peak MB':>8} {'s/100 col':>10} "
          f"{'plain s':>8} {'plain MB':>9} {'ratio':>6}")  # fmt: skip
    for width in (int(w) for w in args.widths.split(",")):
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            root = wide_file(folder, args.rows, width)
            lines = (root / KEY).read_text().count("\n") - 1
            seconds, peak, _ = timed_process(
                [sys.executable, "-m", "shopsight", "ingest", "--source", "thelook",
                 "--bucket", f"file://{root}", "--warehouse", f"duckdb:///{folder}/wh.duckdb"]
            )  # fmt: skip
            plain, plain_peak, _ = timed_process(
                [sys.executable, "-c", PLAIN, str(folder / "plain.duckdb"), str(root / KEY)]
            )
        print(
            f"{width:>8} {lines:>6} {seconds:>12.2f} {peak:>8.0f} "
            f"{100 * seconds / width:>10.3f} {plain:>8.2f} {plain_peak:>9.0f} "
            f"{seconds / plain:>6.1f}"
        )


if __name__ == "__main__":
    main()
