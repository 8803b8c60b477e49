"""The end of `shopsight run` reads as words at 80 columns: the verdict, a line per step, the
files that keep it red with the commands that resolve them, never a Python repr."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from shopsight import console
from shopsight.cli.run_summary import print_run_summary
from shopsight.ingest.problems import Problem
from shopsight.pipeline import StepOutcome

INGEST = {
    "orders": {"files_loaded": 1, "files_quarantined": 0, "rows_loaded": 120, "rows_rejected": 2},
    "order_items": {
        "files_loaded": 0,
        "files_quarantined": 1,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "untrusted_files": ["landing/retail_db/order_items/dt=2024-03-30/part-00000.csv.gz"],
    },
}
DBT = {
    "models": {"success": 22},
    "tests": {"pass": 128, "warn": 1},
    "warnings": [{"test": "retail_db_line_quantity_is_positive", "failing_rows": 1}],
}
RECONCILE = {
    "from": "2024-03-30",
    "to": "2024-03-30",
    "gap": "12.50",
    "unexplained": "0",
    "causes": {"day_boundary": "12.50"},
    "incomplete_days": {"2024-03-30": {"order lines in a quarantined file": 278}},
}
PROBLEM = Problem(
    problem_id="0a9422e0003a14c927a46ce09cf0f7e8",
    source="retail_db",
    table="order_items",
    path="landing/retail_db/order_items/dt=2024-03-30/part-00000.csv.gz",
    file_dt="2024-03-30",
    kind="file_quarantined",
    reason="truncated_gzip",
    detail="quarantined whole (truncated_gzip): gzip stream ends early",
    first_seen_at=None,
)


@pytest.fixture
def printed(monkeypatch) -> io.StringIO:
    text = io.StringIO()
    monkeypatch.setattr(console, "out", Console(file=text, width=80, color_system=None))
    return text


def red_run() -> list[StepOutcome]:
    return [
        StepOutcome("wait_for_landing", "success", 0.0, {"day": "2024-03-30"}),
        StepOutcome("ingest_retail_db", "success", 1.5, INGEST),
        StepOutcome("loyalty", "success", 0.2, {"users": 3949, "rescored": True}),
        StepOutcome("dbt_marts", "success", 12.4, DBT),
        StepOutcome("reconcile", "success", 0.1, RECONCILE),
        StepOutcome(
            "report",
            "success",
            1.3,
            {"run_date": "2024-03-30", "size_bytes": 28979, "url": "file://./var/bucket/r.html"},
        ),
        StepOutcome("check_trust", "failed", 0.0, {}, error="1 untrusted file", untrusted=True),
    ]


def test_a_red_run_says_why_and_what_resolves_it(printed) -> None:
    print_run_summary(None, red_run(), [PROBLEM], "file://./var/bucket", "duckdb:///./w.duckdb")
    text = printed.getvalue()
    lines = text.splitlines()
    assert lines[0] == "Daily run of 2024-03-30: RED. Every step ran, but the data is not whole."
    assert max(len(line) for line in lines) <= 80
    words = " ".join(text.split())
    assert "2 new files in 2 tables: 120 rows loaded, 2 quarantined; 1 file untrusted" in words
    assert "3,949 users scored" in words and "22 models built; tests: 128 passed, 1 warned" in words
    assert "gap 12.50 explained by 1 cause, 0.00 unexplained" in words
    assert "red check_trust 0.0 s red: the data is not whole" in words
    assert "resolve: shopsight quarantine readmit 0a9422e0:file --file FIXED" in text
    assert "retail_db_line_quantity_is_positive: 1 row" in text
    assert "2024-03-30 is incomplete: 278 orders of unknown revenue (order lines in a" in words
    for repr_only in ("{", "}", "True", "False", "None", "cli__", "'"):
        assert repr_only not in text, repr_only


def test_a_failed_step_is_named_and_what_it_skipped_counted(printed) -> None:
    outcomes = [
        StepOutcome("wait_for_landing", "success", 0.0, {"day": None}),
        StepOutcome("dbt_staging", "failed", 3.0, {}, error="dbt build --select staging failed"),
        StepOutcome("dbt_marts", "skipped", 0.0, {}, error="upstream dbt_staging did not succeed"),
    ]
    print_run_summary(None, outcomes, [], "file://b", "duckdb:///w")
    text = printed.getvalue()
    assert text.startswith("Daily run of what has landed: FAILED at dbt_staging; 1 step after")
    assert "skipped dbt_marts" in " ".join(text.split())


def test_a_green_run_says_so(printed) -> None:
    outcomes = [StepOutcome("check_trust", "success", 0.0, {"message": "sent"})]
    print_run_summary(None, outcomes, [], "file://b", "duckdb:///w")
    assert "GREEN. Every step succeeded; the numbers are whole." in " ".join(
        printed.getvalue().split()
    )


def test_a_table_never_breaks_a_key_a_date_or_a_code_at_80_columns(printed) -> None:
    """contracts warnings and drift at 80 columns: keys, dates and codes stay whole; the
    sentence column wraps; a table that cannot fit is printed wider, never cut."""
    path = "landing/retail_db/order_items/dt=2024-03-31/part-00000.csv"
    message = "the line total is not the quantity times the price: 3 x 19.99 is not 59.98"
    console.print_table(
        "1 row loaded with a warning",
        ["path", "line", "key", "reason", "message"],
        [[path, 17, "43867", "subtotal_mismatch", message]],
    )
    console.print_table(
        "1 column differs from the contracts",
        ["source", "table", "column", "kind", "first day", "last day", "files"],
        [["thelook", "users", "user_geom", "undeclared", "2024-02-15", "2024-03-31", 45]],
    )
    text = printed.getvalue()
    for whole in (path, "43867", "subtotal_mismatch", "undeclared", "2024-02-15", "2024-03-31"):
        assert whole in text, whole
    assert "quantity times" in " ".join(text.split())
