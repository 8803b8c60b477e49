"""Every command with hostile values for its options: one clear line, an exit code of 0, 1
or 2, never a traceback or a secret, and the data left as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pytest

from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from support import shopsight

PASSWORD = "s3cr3t-Pa55word"
MARKUP = "[/]"
LINK = "[link=https://evil.example]click[/link]"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[str, str, Path]:
    """A small ingested store (not built): bucket URL, warehouse URL, a scratch folder."""
    root = tmp_path_factory.mktemp("hostile")
    bucket = Bucket(f"file://{root}/bucket")
    generate_retail_db(bucket, date(2024, 1, 1), 3, 200, 3, "default")
    evil = f"x{MARKUP},{LINK}\n".encode()  # a rejected row whose text is rich markup
    bucket.write_bytes("landing/retail_db/departments/dt=2024-01-01/part-evil.csv", evil)
    url = f"duckdb:///{root}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse)
    warehouse.close()
    (root / "a-file").write_text("not a folder")
    return bucket.url, url, root


def _evil_row(warehouse: str) -> str:
    connection = duckdb.connect(warehouse[len("duckdb:///") :], read_only=True)
    try:
        return connection.execute(
            "select quarantine_id from shopsight_ops.quarantine where path like '%part-evil%'"
        ).fetchall()[0][0]
    finally:
        connection.close()


def _cases(bucket: str, warehouse: str, root: Path) -> list[list[str]]:
    b, w = ["--bucket", bucket], ["--warehouse", warehouse]
    month = ["--from", "2024-01-01", "--to", "2024-01-31"]
    unreachable_pg = f"postgresql://shop:{PASSWORD}@127.0.0.1:9/shop"
    return [
        ["ingest", *b, *w, "--source", MARKUP],
        ["ingest", *b, *w, "--source", "shopify"],
        ["ingest", *b, *w, "--source", "retail_db", "--table", LINK],
        ["ingest", *b, "--warehouse", "duckdb:////proc/shopsight/w.duckdb"],
        ["ingest", "--bucket", "file:///proc/shopsight-bucket", *w],
        ["status", *b, "--warehouse", unreachable_pg],
        ["status", *b, "--warehouse", f"postgresql://shop:{PASSWORD}@[::1/shop"],
        ["status", *b, "--warehouse", f"mysql://shop:{PASSWORD}@host/db"],
        ["quarantine", "list", *b, *w, "--reason", MARKUP],
        ["quarantine", "list", *b, *w, "--table", LINK],
        ["quarantine", "show", MARKUP, *b, *w],
        ["quarantine", "show", _evil_row(warehouse), *b, *w],
        ["quarantine", "list", *b, *w],
        ["quarantine", "list", *b, *w, "--json"],
        ["quarantine", "readmit", "0" * 32 + ":1", *b, *w, "--line", "1,2\n3,4"],
        ["quarantine", "accept", MARKUP, *b, *w],
        ["reconcile", "--from", "0001-01-01", "--to", "9999-12-31", *b, *w],
        ["reconcile", "--from", "2024-02-30", "--to", "2024-01-31", *b, *w],
        ["reconcile", *month, *b, *w],  # before any build
        ["reconcile", *month, "--business-timezone", "../../etc/passwd", *b, *w],
        ["reconcile", *month, "--tolerance", "1E+26", *b, *w],
        ["reconcile", *month, "--out", "/proc/shopsight/out.txt", *b, *w],
        ["reconcile", *month, "--format", "pdf", *b, *w],
        ["reconcile", *month, "--source", str(root / "missing.csv"), *b, *w],
        ["report", "--date", "9999-12-31", *b, *w],
        ["report", "--date", "2024-13-45", *b, *w],
        ["report", "--out", "/proc/shopsight/report.html", *b, *w],
        ["loyalty", *b, "--warehouse", unreachable_pg],
        ["build", "--warehouse", unreachable_pg, "--json"],
        ["build", "--select", MARKUP, *w],
        ["tracking", "simulate", "--url", "http://127.0.0.1:9/x", "--duration", "0.1", *w],
        ["tracking", "serve", *b, "--spool-dir", str(root / "a-file"), "--port", "9"],
        ["tracking", "load", "--bucket", "file:///proc/shopsight-bucket", *w],
        ["generate", "retail-db", "--bucket", "file:///proc/shopsight-bucket", "--days", "1"],
        ["generate", "retail-db", *b, "--days", "-5"],
        ["generate", "retail-db", "--bucket", f"file://{root}/new", "--start", "9999-12-31"],
        ["generate", "retail-db", *b, "--faults", MARKUP],
        ["generate", "sales-report", *b, "--business-timezone", "../../etc/passwd"],
        ["contracts", "ddl", MARKUP],
        ["metrics", "query", "orders", *w, "--where", "1=1; create table main.pwned as select 1"],
        ["metrics", "query", "orders", *w, "--where", f"{{{{ Dimension('{MARKUP}') }}}} = 1"],
        ["metrics", "query", "orders", *w, "--where", "{{ Dimension('x' }}"],
        ["quarantine", "accept", "0" * 8, *b, *w, "--reason", MARKUP],
        ["quarantine", "accept", "0" * 8, *b, *w, "--reason", "   "],
        ["contracts", "drift", *b, *w, "--source", MARKUP],
        ["contracts", "warnings", *b, *w, "--source", MARKUP],
        ["withdraw", MARKUP, *b, *w, "--reason", "wrong store"],
        ["generate", "next-day", "--bucket", "file:///proc/shopsight-bucket"],
        ["run", "--date", "2024-03-01", "--wait", "-1", *b, *w],
    ]


def _snapshot(bucket: str, warehouse: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    objects = sorted(
        (info.key, hashlib.sha256(Bucket(bucket).read_bytes(info.key)).hexdigest())
        for info in Bucket(bucket).list()
    )
    connection = duckdb.connect(warehouse[len("duckdb:///") :], read_only=True)
    try:
        rows = connection.execute(
            "select * from shopsight_ops.ingest_ledger order by ingest_id"
        ).fetchall()
        rows += connection.execute(
            "select * from shopsight_ops.quarantine order by quarantine_id"
        ).fetchall()
    finally:
        connection.close()
    return objects, rows


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET": "whsec",
        "SHOPSIGHT_AFTERSHIP_API_KEY": "as-key",
        "FORCE_COLOR": "1",  # rich renders markup as it would on a terminal
    }
    return shopsight(*args, env=environment)


def test_every_command_answers_hostile_values_with_one_clear_line(store) -> None:
    bucket, warehouse, root = store
    before = _snapshot(bucket, warehouse)
    cases = _cases(bucket, warehouse, root)
    # DuckDB allows one writer per file: commands on the warehouse run one after another.
    on_warehouse = [args for args in cases if warehouse in args]
    with ThreadPoolExecutor(2) as pool:
        others = pool.map(_run, [args for args in cases if warehouse not in args])
        outcome = {id(args): _run(args) for args in on_warehouse}
        outcome |= dict(zip((id(a) for a in cases if warehouse not in a), others, strict=True))
    results = [outcome[id(args)] for args in cases]
    problems = []
    for args, result in zip(cases, results, strict=True):
        output = result.stdout + result.stderr
        if result.returncode not in (0, 1, 2):
            problems.append(f"exit {result.returncode}: {args}")
        if "Traceback" in output or "unexpected:" in output:  # not a designed message
            problems.append(f"no clear line: {args}\n{output[-600:]}")
        if PASSWORD in output:
            problems.append(f"password shown: {args}")
        if "\x1b]8;" in output:
            problems.append(f"hidden hyperlink printed: {args}")
        if (
            args[:2] == ["quarantine", "list"]
            and "--reason" not in args
            and "--table" not in args
            and f"x{MARKUP}" not in output
        ):
            problems.append(f"the landed value was not printed as it is: {args}")
    assert problems == [], "\n".join(problems)
    assert _snapshot(bucket, warehouse) == before


def test_run_never_shows_the_warehouse_password(store) -> None:
    bucket, _, _ = store
    for extra in ([], ["--json"]):
        result = _run(
            [
                "run",
                "--date",
                "2024-01-01",
                "--bucket",
                bucket,
                "--warehouse",
                f"postgresql://shop:{PASSWORD}@127.0.0.1:9/shop",
                *extra,
            ]
        )
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        assert PASSWORD not in output and "shop:***@127.0.0.1" in output
