"""Benchmark: generate the retail_db export at N orders, ingest it, compare with plain DuckDB.

    .venv/bin/python benchmarks/bench_ingest.py --orders 1000000 [--days 90] [--no-postgres]
        [--dlt-python /tmp/dltvenv/bin/python] [--s3]

Prints, each load in its own process (wall time, its own peak RSS): a plain DuckDB
`read_csv` of the files (explicit columns and types, no sniffer, `store_rejects`) as the
anchor; ShopSight's ingest into DuckDB (its fast path) and the ratio to the anchor; the same
with `--line-by-line` (every line through the validator); the warehouse plus the Parquet
history in the bucket against the plain tables' size; a copy of the store with 1 % of every
file's lines broken (benchmarks/faulty_store.py), plain and ShopSight; with --dlt-python,
dlt's filesystem source into DuckDB on the same files as a peer row; a plain PostgreSQL
`COPY` (primary key on the order lines) against ShopSight's ingest into PostgreSQL; and with
--s3, the same files in an S3 bucket (moto's server, in a process of its own): every object
fetched side by side then read by the plain `read_csv`, against ShopSight's ingest from the
bucket.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import PLAIN_COPY, PLAIN_DUCKDB, contract_columns  # noqa: E402
from faulty_store import break_one_percent  # noqa: E402
from measure import timed_process  # noqa: E402

SHOPSIGHT = [sys.executable, "-m", "shopsight"]


def plain_read_csv(bucket: Path, database: Path) -> tuple[float, float, str]:
    columns, _ = contract_columns("duckdb")
    return timed_process(
        [sys.executable, "-c", PLAIN_DUCKDB, str(database), str(bucket), json.dumps(columns)]
    )


def shopsight_ingest(bucket: Path, url: str, *flags: str) -> tuple[float, float, dict]:
    seconds, peak, out = timed_process(
        [*SHOPSIGHT, "ingest", "--bucket", f"file://{bucket}", "--warehouse", url, "--json", *flags]
    )
    return seconds, peak, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL load")
    parser.add_argument("--no-faults", action="store_true", help="skip the 1 %% faults store")
    parser.add_argument(
        "--no-line-by-line", action="store_true", help="skip the --line-by-line ingest"
    )
    parser.add_argument(
        "--dlt-python",
        metavar="PATH",
        help="a Python with dlt installed (its own virtualenv: see benchmarks/dlt_peer.py); "
        "adds dlt's filesystem source into DuckDB as a peer row",
    )
    parser.add_argument("--dlt-timeout", type=float, default=1800, metavar="SECONDS")
    parser.add_argument(
        "--s3", action="store_true", help="also ingest from an S3 bucket (moto's server)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-bench-"))
    bucket = work / "bucket"

    seconds, _, _ = timed_process(
        [
            *SHOPSIGHT,
            "generate",
            "retail-db",
            "--bucket",
            f"file://{bucket}",
            "--orders",
            str(args.orders),
            "--days",
            str(args.days),
            "--faults",
            "none",
            "--json",
        ]
    )
    size = sum(p.stat().st_size for p in (bucket / "landing").rglob("*") if p.is_file())
    print(f"orders: {args.orders:,}  days: {args.days}  landed: {size / 1e6:,.1f} MB")
    print(f"generation: {seconds:,.1f} s", flush=True)
    if not args.no_faults:  # copied before any ingest writes history into the bucket
        broken = break_one_percent(bucket, work / "faulty")

    plain, plain_peak, _ = plain_read_csv(bucket, work / "plain.duckdb")
    print(
        f"plain duckdb read_csv (explicit columns, store_rejects): {plain:,.1f} s, "
        f"peak {plain_peak:,.0f} MB",
        flush=True,
    )
    ours, ours_peak, report = shopsight_ingest(bucket, f"duckdb:///{work}/shopsight.duckdb")
    rows = report["rows_loaded"] + report["rows_rejected"]
    print(
        f"shopsight ingest (duckdb): {ours:,.1f} s, peak {ours_peak:,.0f} MB, "
        f"{rows:,} rows in {report['files_loaded']} files, {rows / ours:,.0f} rows/s; "
        f"{ours / plain:.2f}x plain (target <= 1.5x)",
        flush=True,
    )
    history = sum(p.stat().st_size for p in (bucket / "history").rglob("*.parquet"))
    warehouse_mb = (work / "shopsight.duckdb").stat().st_size / 1e6
    plain_mb = (work / "plain.duckdb").stat().st_size / 1e6
    print(
        f"size: warehouse {warehouse_mb:,.1f} MB + Parquet history {history / 1e6:,.1f} MB "
        f"= {(warehouse_mb + history / 1e6) / plain_mb:.2f}x the plain tables "
        f"({plain_mb:,.1f} MB; target <= 1.5x)",
        flush=True,
    )
    if not args.no_line_by_line:
        slow, slow_peak, _ = shopsight_ingest(
            _fresh_copy(bucket, work / "again"),
            f"duckdb:///{work}/line_by_line.duckdb",
            "--line-by-line",
        )
        print(
            f"shopsight ingest --line-by-line (duckdb): {slow:,.1f} s, peak {slow_peak:,.0f} MB; "
            f"{slow / plain:.2f}x plain; the fast path is {slow / ours:.2f}x faster",
            flush=True,
        )

    if not args.no_faults:
        bad_plain, _, _ = plain_read_csv(work / "faulty", work / "plain_faulty.duckdb")
        bad, bad_peak, report = shopsight_ingest(work / "faulty", f"duckdb:///{work}/faulty.duckdb")
        print(
            f"1 % faults ({broken:,} broken lines): plain read_csv {bad_plain:,.1f} s; "
            f"shopsight {bad:,.1f} s, peak {bad_peak:,.0f} MB, {report['rows_rejected']:,} "
            f"rows quarantined; {bad / bad_plain:.2f}x plain (target <= 2x)",
            flush=True,
        )

    if args.s3:
        _s3(work, bucket, ours)

    if args.dlt_python:
        _dlt_peer(args.dlt_python, bucket, work, ours, args.dlt_timeout)

    if not args.no_postgres:
        _postgres(work, bucket)


def _fresh_copy(bucket: Path, target: Path) -> Path:
    """The landed files alone (no history or quarantine objects of an earlier ingest)."""
    shutil.copytree(bucket / "landing", target / "landing")
    return target


def _postgres(work: Path, bucket: Path) -> None:
    """A plain COPY of the same files into tables with a primary key, then ShopSight."""
    from servers import running_postgres

    columns, keys = contract_columns("postgres")
    with running_postgres() as url:
        copy_s, _, out = timed_process(
            [
                sys.executable,
                "-c",
                PLAIN_COPY,
                url,
                str(bucket),
                json.dumps(columns),
                json.dumps(keys),
            ]
        )
        copied = int(out.strip())
        print(f"plain COPY (postgresql): {copy_s:,.1f} s, {copied / copy_s:,.0f} rows/s")
        pg, pg_peak, report = shopsight_ingest(_fresh_copy(bucket, work / "pg"), url)
        loaded = report["rows_loaded"]
        print(
            f"shopsight ingest (postgresql): {pg:,.1f} s, peak {pg_peak:,.0f} MB, "
            f"{loaded / pg:,.0f} rows/s; {copy_s / pg:.2f}x plain COPY's speed (target >= 0.5x)"
        )


# The anchor's download: every landed object fetched side by side into a local folder.
FETCH_ALL = """
import sys, s3fs
from pathlib import Path
bucket, target = sys.argv[1], Path(sys.argv[2])
fs = s3fs.S3FileSystem()
keys = fs.find(f"{bucket}/landing")
for key, data in fs.cat(keys).items():
    path = target / key.removeprefix(bucket + "/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
print(len(keys))
"""


def _s3(work: Path, bucket: Path, local: float) -> None:
    """The same files in an S3 bucket: fetched then read by plain DuckDB, against
    ShopSight's ingest from the bucket. moto's server runs in a process of its own, so it
    does not share this benchmark's interpreter with the client."""
    import boto3

    from servers import free_port

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ENDPOINT_URL_S3=endpoint,
        SHOPSIGHT_S3_ENDPOINT_URL=endpoint,
    )
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for _ in range(600):  # the server starts in a second or two
            try:
                client.create_bucket(Bucket="bench")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.05)
        files = sorted(p for p in (bucket / "landing").rglob("*") if p.is_file())
        for path in files:
            client.put_object(
                Bucket="bench", Key=f"store/{path.relative_to(bucket)}", Body=path.read_bytes()
            )
        fetched = work / "fetched"
        fetch = [sys.executable, "-c", FETCH_ALL, "bench/store", str(fetched)]
        fetch_s, _, _ = timed_process(fetch)
        plain, _, _ = plain_read_csv(fetched, work / "plain_s3.duckdb")
        seconds, peak, out = timed_process(
            [*SHOPSIGHT, "ingest", "--bucket", "s3://bench/store", "--warehouse",
             f"duckdb:///{work}/s3.duckdb", "--json"]
        )  # fmt: skip
        report = json.loads(out)
        anchor = fetch_s + plain
        print(
            f"s3 ({len(files)} objects, moto's server): fetch every object {fetch_s:,.1f} s + "
            f"plain read_csv {plain:,.1f} s; shopsight ingest {seconds:,.1f} s, peak "
            f"{peak:,.0f} MB, {report['rows_loaded']:,} rows; {seconds / anchor:.2f}x the "
            f"anchor, {seconds / local:.2f}x shopsight from the local disk",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait()


def _dlt_peer(python: str, bucket: Path, work: Path, ours: float, timeout: float) -> None:
    """The same files through dlt (filesystem source, read_csv_duckdb, DuckDB destination)."""
    peer = Path(__file__).resolve().parent / "dlt_peer.py"
    command = [python, str(peer), str(bucket), f"{work}/dlt.duckdb"]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"dlt filesystem -> duckdb: not finished after {timeout:,.0f} s")
        return
    seconds = time.perf_counter() - started
    if done.returncode:
        print(f"dlt filesystem -> duckdb: failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    rows = sum(json.loads(done.stdout.strip().splitlines()[-1]).values())
    print(
        f"dlt filesystem -> duckdb: {seconds:,.1f} s, {rows:,} rows, {rows / seconds:,.0f} rows/s "
        f"(shopsight / dlt: {ours / seconds:.2f}x)"
    )


if __name__ == "__main__":
    main()
