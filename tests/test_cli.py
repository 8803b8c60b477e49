"""The command line: help everywhere, JSON for machines, one clear line for bad input."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from support import shopsight


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
        ["contracts", "drift"],
        ["contracts", "warnings"],
        ["metrics", "list"],
        ["metrics", "query"],
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

    at_80 = {**os.environ, "COLUMNS": "80"}
    text = shopsight("quarantine", "list", *where, *warehouse, env=at_80)
    assert text.returncode == 0 and max(len(line) for line in text.stdout.splitlines()) <= 80
    short = next(r for r in listed["quarantine"] if r["reason"] == "too_few_fields")["short_id"]
    assert f"  {short} " in text.stdout and len(short) <= 16  # copyable: on one line, whole
    shown = shopsight("quarantine", "show", short, *where, *warehouse, env=at_80)
    assert shown.returncode == 0 and "None" not in shown.stdout and "as sent" in shown.stdout
    again = shopsight("quarantine", "readmit", short, *where, *warehouse)  # as delivered: bad
    assert again.returncode == 1
    said = " ".join(again.stdout.split())
    assert "0 rows loaded; 1 rejected again and kept in the quarantine with its new" in said


def test_a_drifted_thelook_export_shows_in_status_drift_and_warnings(tmp_path) -> None:
    where = ["--bucket", f"file://{tmp_path}/bucket"]
    warehouse = ["--warehouse", f"duckdb:///{tmp_path}/wh.duckdb"]
    generated = shopsight(
        "generate", "thelook", *where, "--days", "4", "--users", "300", "--drift", "--json"
    )
    assert generated.returncode == 0, generated.stderr
    ingested = shopsight("ingest", *where, *warehouse, "--source", "thelook", "--json")
    assert ingested.returncode == 0, ingested.stdout  # drift is not a reason to refuse data
    status = shopsight("status", *where, *warehouse)
    assert status.returncode == 0 and "undeclared_column:user_geom" in status.stdout
    drift = json.loads(shopsight("contracts", "drift", *where, *warehouse, "--json").stdout)
    assert {(d["table"], d["column"], d["first_day"]) for d in drift["drift"]} == {
        ("users", "user_geom", "2024-01-03"),
        ("distribution_centers", "distribution_center_geom", "2024-01-03"),
    }
    text = shopsight("contracts", "drift", *where, *warehouse)
    assert text.returncode == 0 and "user_geom" in text.stdout
    warned = shopsight("contracts", "warnings", *where, *warehouse, "--json")
    assert warned.returncode == 0 and json.loads(warned.stdout) == {"total": 0, "warnings": []}
    unknown = shopsight("contracts", "warnings", *where, *warehouse, "--table", "nope")
    assert unknown.returncode == 2 and "has no table 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--warehouse", "mysql://x"], "must be duckdb:///path, postgresql://"),
        (["ingest", "--bucket", "ftp://x"], "must start with file://, s3:// or memory://"),
        (
            [
                "ingest",
                *("--bucket", "memory://b", "--warehouse", "duckdb://"),
                *("--source", "retail_db", "--table", "invoices"),
            ],
            "source 'retail_db' has no table 'invoices'",
        ),
        (
            ["generate", "retail-db", "--bucket", "memory://b", "--start", "2024-13-01"],
            "--start '2024-13-01': expected a date like 2024-03-01",
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
            "quarantine id 'nosuch': expected hex digits, then :LINE or :file",
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
            "expected an IANA time zone",
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


def test_an_untrusted_file_keeps_ingest_and_status_red_until_accepted(tmp_path) -> None:
    where = ["--bucket", f"file://{tmp_path}/bucket"]
    where += ["--warehouse", f"duckdb:///{tmp_path}/wh.duckdb"]
    shopsight(
        "generate", "retail-db", *where[:2], "--days", "6", "--orders", "600", "--faults", "default"
    )
    assert shopsight("ingest", *where).returncode == 1
    again = shopsight("ingest", *where)
    assert again.returncode == 1  # nothing new, but the truncated file is still untrusted
    assert "retail_db: nothing new to load" in again.stdout
    assert "2 open problems" in again.stdout and "truncated_gzip" in again.stdout
    status = shopsight("status", *where, "--json")
    assert status.returncode == 1
    problems = json.loads(status.stdout)["open_problems"]
    assert {p["kind"] for p in problems} == {"file_quarantined", "over_reject_ratio"}
    for problem in problems:
        accepted = shopsight(
            "quarantine", "accept", problem["problem_id"][:10], *where, "--reason", "lost"
        )
        assert accepted.returncode == 0, accepted.stderr
    assert shopsight("ingest", *where).returncode == 0
    assert shopsight("status", *where).returncode == 0


def test_ingest_without_a_source_loads_every_source_that_landed(tmp_path) -> None:
    where = ["--bucket", f"file://{tmp_path}/bucket"]
    generated = shopsight(
        "generate", "thelook", *where, "--days", "3", "--users", "50", "--faults", "none"
    )
    assert generated.returncode == 0, generated.stderr
    ingested = shopsight(
        "ingest", *where, "--warehouse", f"duckdb:///{tmp_path}/wh.duckdb", "--json"
    )
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["sources"] == ["thelook"] and report["rows_loaded"] > 0


def test_ingest_with_nothing_landed_fails(tmp_path) -> None:
    empty = shopsight(
        "ingest", "--bucket", f"file://{tmp_path}", "--warehouse", f"duckdb:///{tmp_path}/wh.duckdb"
    )
    assert empty.returncode == 1 and "no landed files" in empty.stderr


def test_an_unknown_source_lists_the_known_ones(tmp_path) -> None:
    wrong = shopsight(
        "ingest",
        "--source",
        "shopify",
        "--bucket",
        f"file://{tmp_path}",
        "--warehouse",
        f"duckdb:///{tmp_path}/wh.duckdb",
    )
    assert wrong.returncode == 2
    assert "unknown source 'shopify'; the sources are: aftership, retail_db" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "foo"], "any source has no table 'foo'; the tables are: "),
        (["--source", "thelook", "--table", "departments"], "the tables are: distribution_c"),
        (["--reason", "foo"], "no quarantined row has reason 'foo'; the reasons are: none"),
        (["--source", "shopify"], "unknown source 'shopify'; the sources are: "),
    ],
)
def test_quarantine_list_refuses_unknown_filters(tmp_path, args, message) -> None:
    where = ["--bucket", f"file://{tmp_path}", "--warehouse", f"duckdb:///{tmp_path}/w.duckdb"]
    duckdb.connect(str(tmp_path / "w.duckdb")).close()  # an empty warehouse
    refused = shopsight("quarantine", "list", *args, *where)
    assert refused.returncode == 2 and message in refused.stderr, refused.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["quarantine", "list"],
        ["reconcile", "--from", "2024-01-01", "--to", "2024-01-02"],
        ["report"],
    ],
)
def test_a_read_command_refuses_a_warehouse_or_bucket_that_does_not_exist(
    tmp_path, command
) -> None:
    (tmp_path / "bucket").mkdir()
    typo = shopsight(
        *command,
        "--bucket",
        f"file://{tmp_path}/bucket",
        "--warehouse",
        f"duckdb:///{tmp_path}/typo.duckdb",
    )
    assert typo.returncode == 2 and "does not exist" in typo.stderr, typo.stderr
    assert not (tmp_path / "typo.duckdb").exists()
    duckdb.connect(str(tmp_path / "real.duckdb")).close()
    missing = shopsight(
        *command,
        *("--bucket", f"file://{tmp_path}/a/typo"),
        *("--warehouse", f"duckdb:///{tmp_path}/real.duckdb"),
    )
    assert missing.returncode == 2 and "bucket file://" in missing.stderr, missing.stderr
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    "command",
    [["ingest"], ["loyalty"], ["run"], ["quarantine", "readmit", "abc:file"]],
)
def test_a_command_that_reads_landed_files_creates_nothing_for_a_bucket_typo(
    tmp_path, command
) -> None:
    typo = shopsight(
        *command,
        *("--bucket", f"file://{tmp_path}/typo"),
        *("--warehouse", f"duckdb:///{tmp_path}/warehouse.duckdb"),
    )
    assert typo.returncode == 2, typo.stderr
    assert typo.stderr.count("\n") == 1 and "does not exist" in typo.stderr, typo.stderr
    assert list(tmp_path.iterdir()) == []  # no bucket folder, no warehouse


def test_build_on_a_warehouse_without_data_says_so(tmp_path) -> None:
    wh = tmp_path / "empty.duckdb"
    duckdb.connect(str(wh)).close()
    empty = shopsight("build", "--warehouse", f"duckdb:///{wh}")
    assert empty.returncode == 1 and "holds no loaded data" in empty.stderr


def test_report_and_reconcile_refuse_days_without_data(tmp_path) -> None:
    where = [
        "--bucket",
        f"file://{tmp_path}/bucket",
        "--warehouse",
        f"duckdb:///{tmp_path}/wh.duckdb",
    ]
    shopsight("generate", "retail-db", *where[:2], "--days", "2", "--orders", "100")
    shopsight("ingest", *where)
    assert shopsight("build", "--warehouse", where[3]).returncode == 0
    report = shopsight("report", "--date", "2030-01-01", *where)
    assert report.returncode == 1 and "no orders or web sessions on 2030-01-01" in report.stderr
    assert not list((tmp_path / "bucket").glob("reports/dt=2030-01-01/*"))
    empty = shopsight("reconcile", "--from", "2030-01-01", "--to", "2030-01-02", *where)
    assert empty.returncode == 1 and "nothing to reconcile" in empty.stderr


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        (
            ["ingest", "--source", "shopify", "--bucket", "memory://b", "--warehouse", "duckdb://"],
            "the sources are: aftership, retail_db, thelook, transactions",
        ),
        (
            ["generate", "retail-db", "--faults", "some", "--bucket", "memory://b"],
            "--faults must be 'none' or 'default', not 'some'",
        ),
    ],
)
def test_bad_input_prints_its_error_line_and_no_progress_bar(args: list[str], valid: str) -> None:
    result = shopsight(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert valid in result.stderr


def test_the_printed_ddl_is_the_generated_ddl_and_runs() -> None:
    """`shopsight contracts ddl | psql` must work: printed through the console, a line
    longer than 80 columns was wrapped, and its second half ran as SQL."""
    from shopsight.contracts.ddl import render_landing_ddl
    from shopsight.contracts.model import load_contract

    printed = shopsight("contracts", "ddl", "--dialect", "duckdb")
    assert printed.returncode == 0
    assert printed.stdout == render_landing_ddl(load_contract("retail_db"), "duckdb")
    assert max(len(line) for line in printed.stdout.splitlines()) > 80  # a long line kept
    con = duckdb.connect()
    con.execute(printed.stdout)
    assert con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'retail_db'"
    ).fetchall()[0][0] == 2 * len(load_contract("retail_db").tables)


def test_a_mistyped_setting_is_named_in_one_line_without_its_value() -> None:
    environment = {**os.environ, "SHOPSIGHT_SPARK_DRIVER_MEMORY": "plenty-s3cr3t"}
    result = shopsight("status", env=environment)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: SHOPSIGHT_SPARK_DRIVER_MEMORY: String should match pattern '^[0-9]+[kmgt]?$'"
    )
    assert "s3cr3t" not in result.stdout + result.stderr
