"""The command line: help everywhere, JSON for machines, one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def shopsight(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopsight", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["generate", "retail-db"],
        ["ingest"],
        ["status"],
        ["run"],
        ["quarantine", "list"],
        ["quarantine", "show"],
        ["quarantine", "readmit"],
        ["contracts", "ddl"],
        ["generate", "thelook"],
        ["generate", "transactions"],
        ["generate", "demo"],
        ["loyalty"],
        ["build"],
        ["docs", "erd"],
        ["tracking", "serve"],
        ["tracking", "poll"],
        ["tracking", "simulate"],
        ["tracking", "load"],
        ["reconcile"],
    ],
)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = shopsight(*command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout and "--help" in result.stdout


def test_generate_ingest_status_quarantine_as_json(tmp_path) -> None:
    where = ["--bucket", f"file://{tmp_path}/bucket"]
    warehouse = ["--warehouse", f"duckdb:///{tmp_path}/wh.duckdb"]
    generated = shopsight(
        "generate",
        "retail-db",
        *where,
        "--days",
        "6",
        "--orders",
        "600",
        "--faults",
        "default",
        "--json",
    )
    assert generated.returncode == 0, generated.stderr
    assert json.loads(generated.stdout)["files"] == 6 * 6 + 1
    ingested = shopsight("ingest", *where, *warehouse, "--json")
    assert ingested.returncode == 1  # the truncated gzip file makes the run untrusted
    report = json.loads(ingested.stdout)
    assert report["files_quarantined"] == 1 and report["rows_rejected"] > 0
    status = json.loads(shopsight("status", *where, *warehouse, "--json").stdout)
    orders = next(t for t in status["tables"] if t["table"] == "orders")
    assert orders["rows_loaded"] + orders["rows_rejected"] == orders["rows_read"]
    listed = json.loads(shopsight("quarantine", "list", *where, *warehouse, "--json").stdout)
    assert {row["reason"] for row in listed["quarantine"]} >= {"truncated_gzip", "too_few_fields"}
    shown = shopsight("quarantine", "show", listed["quarantine"][0]["id"], *where, *warehouse)
    assert shown.returncode == 0 and "reason" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--warehouse", "mysql://x"], "must be duckdb:///path or postgresql://"),
        (["ingest", "--bucket", "ftp://x"], "must start with file://, s3:// or memory://"),
        (
            ["ingest", "--bucket", "memory://b", "--warehouse", "duckdb://", "--table", "invoices"],
            "source 'retail_db' has no table 'invoices'",
        ),
        (
            ["generate", "retail-db", "--bucket", "memory://b", "--start", "2024-13-01"],
            "--start '2024-13-01': expected a date like 2024-01-01",
        ),
        (
            [
                "quarantine",
                "readmit",
                "nosuch",
                "--bucket",
                "memory://b",
                "--warehouse",
                "duckdb://",
            ],
            "no quarantined row or file with id 'nosuch'",
        ),
        (["quarantine", "readmit", "x", "--file", "/nonexistent/fixed.csv"], "does not exist"),
        (
            ["reconcile", "--from", "2024-01-01", "--to", "2024-01-02", "--tolerance", "abc"],
            "--tolerance 'abc': expected an amount like 0.01",
        ),
        (
            ["reconcile", "--from", "2024-02-30", "--to", "2024-03-01"],
            "--from '2024-02-30': expected a date like 2024-03-01",
        ),
        (
            ["reconcile", "--from", "2024-03-02", "--to", "2024-03-01"],
            "--to 2024-03-01 is before --from 2024-03-02",
        ),
        (
            [
                "generate",
                "sales-report",
                "--from",
                "2024-03-01",
                "--to",
                "2024-03-01",
                "--business-timezone",
                "Mars/Olympus",
            ],
            "unknown time zone",
        ),
        (
            ["quarantine", "readmit", "x", "--line", "1,a", "--file", "pyproject.toml"],
            "give --line (for a row) or --file (for a file), not both",
        ),
    ],
)
def test_bad_input_ends_with_one_clear_line(args: list[str], message: str) -> None:
    result = shopsight(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in " ".join(result.stderr.split())
