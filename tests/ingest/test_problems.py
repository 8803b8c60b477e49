"""Untrusted files stay open problems, run after run, until re-admitted or accepted."""

from __future__ import annotations

import gzip

import pytest

from shopsight.ingest.loader import ingest
from shopsight.ingest.problems import ProblemError, accept_problem, open_problems
from shopsight.ingest.readmit import ReadmitError, readmit
from shopsight.ingest.warehouse import connect

from support import fresh_bucket, generate_small_store


@pytest.fixture
def store(tmp_path):
    bucket = fresh_bucket()
    generate_small_store(bucket)
    warehouse = connect(f"duckdb:///{tmp_path}/wh.duckdb")
    first = ingest(bucket, warehouse)
    assert not first.trusted
    yield bucket, warehouse
    warehouse.close()


def test_a_quarantined_file_stays_open_after_a_run_with_nothing_new(store) -> None:
    bucket, warehouse = store
    again = ingest(bucket, warehouse)
    assert again.files == [] and again.trusted  # this run found nothing wrong...
    problems = open_problems(warehouse)  # ...but the earlier file is still untrusted
    assert [(p.kind, p.reason) for p in problems] == [("file_quarantined", "truncated_gzip")]
    assert problems[0].resolve_command.startswith("shopsight quarantine readmit ")


def test_accepting_a_problem_closes_it_and_records_who_and_why(store) -> None:
    _, warehouse = store
    problem = open_problems(warehouse)[0]
    accept_problem(warehouse, problem.problem_id[:8], "the shop lost that export; signed off")
    assert open_problems(warehouse) == []
    who, why = warehouse.query("select accepted_by, reason from shopsight_ops.accepted_problems")[0]
    assert who and why == "the shop lost that export; signed off"


def test_accepting_needs_a_reason_and_an_open_problem(store) -> None:
    _, warehouse = store
    problem = open_problems(warehouse)[0]
    with pytest.raises(ProblemError, match="say why"):
        accept_problem(warehouse, problem.problem_id, "  ")
    with pytest.raises(ProblemError, match="no open problem"):
        accept_problem(warehouse, "ffffffffffff", "because")
    with pytest.raises(ProblemError, match="no open problem"):  # not a LIKE pattern
        accept_problem(warehouse, "%", "because")


def test_readmitting_a_fixed_file_closes_the_problem(store) -> None:
    bucket, warehouse = store
    problem = open_problems(warehouse)[0]
    # A fixed delivery: the day's lines, re-exported whole (here: one valid line of the
    # table taken from a loaded file of another day, so the file loads cleanly).
    donor = next(
        info.key
        for info in bucket.list(f"landing/retail_db/{problem.table}/")
        if info.key != problem.path
    )
    data = bucket.read_bytes(donor)
    first_line = (gzip.decompress(data) if donor.endswith(".gz") else data).splitlines()[0]
    fixed = gzip.compress(first_line + b"\n") if problem.path.endswith(".gz") else first_line
    readmit(bucket, warehouse, [f"{problem.problem_id}:file"], fixed)
    assert open_problems(warehouse) == []


def _fixed_lines(bucket, problem) -> bytes:
    """One valid line of the problem's table, uncompressed (a re-export from a spreadsheet
    or a database dump comes as plain text even when the original was gzipped)."""
    donor = next(
        info.key
        for info in bucket.list(f"landing/retail_db/{problem.table}/")
        if info.key != problem.path
    )
    data = bucket.read_bytes(donor)
    return (gzip.decompress(data) if donor.endswith(".gz") else data).splitlines()[0] + b"\n"


def test_a_plain_fixed_file_readmits_a_gzipped_original(store) -> None:
    bucket, warehouse = store
    problem = open_problems(warehouse)[0]
    assert problem.path.endswith(".csv.gz")
    [result] = readmit(
        bucket, warehouse, [f"{problem.problem_id}:file"], _fixed_lines(bucket, problem)
    )
    assert result.status == "loaded" and result.rows_loaded == 1
    assert result.path.endswith(".csv")  # named after what the bytes are
    assert open_problems(warehouse) == []


def test_a_failed_readmit_changes_nothing_and_says_what_to_do(store) -> None:
    bucket, warehouse = store
    problem = open_problems(warehouse)[0]
    ledger_before = warehouse.query("select count(*) from shopsight_ops.ingest_ledger")
    objects_before = sorted(info.key for info in bucket.list(""))
    broken = gzip.compress(_fixed_lines(bucket, problem))[:-12]  # a gzip stream cut short
    with pytest.raises(ReadmitError) as raised:
        readmit(bucket, warehouse, [f"{problem.problem_id}:file"], broken)
    message = str(raised.value)
    assert message.startswith("nothing re-admitted: the fixed file for " + problem.path)
    assert "gzip stream ends early" in message and "compress it again whole" in message
    assert warehouse.query("select count(*) from shopsight_ops.ingest_ledger") == ledger_before
    assert sorted(info.key for info in bucket.list("")) == objects_before
    assert [p.problem_id for p in open_problems(warehouse)] == [problem.problem_id]
