"""An accepted loss is a known, owned gap: the run turns green with the gap named (who,
when, why), and the orders it touches stay of unknown revenue, never zero."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shopsight.build import build
from shopsight.config import Settings
from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.problems import accept_problem, open_problems
from shopsight.ingest.warehouse import connect
from shopsight.pipeline import DAILY_STEPS, StepContext, UntrustedRun
from shopsight.storage import Bucket

from built_store import BuiltStore, copy_warehouse
from support import landed_csv_rows, shopsight

STEPS = {step.name: step for step in DAILY_STEPS}


@pytest.fixture(scope="module")
def accepted_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accepted")
    bucket = Bucket(f"file://{folder}/bucket")
    generation = generate_retail_db(bucket, date(2024, 3, 1), 6, 900, 17, "default")
    url = f"duckdb:///{folder}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse)
    warehouse.close()
    assert build(url, changed_only=True).success  # as the daily run builds
    settings = Settings(bucket=bucket.url, warehouse=url)
    red = _judged(settings, "before")
    warehouse = connect(url)
    for problem in open_problems(warehouse):
        accept_problem(warehouse, problem.short_id, "the export is lost; signed off by Ops")
    warehouse.close()
    rebuilt = build(url, changed_only=True)
    assert rebuilt.success and rebuilt.plan  # what reads the acceptances, rebuilt
    assert rebuilt.plan["changed_tables"] == ["shopsight_ops.accepted_problems"]
    return bucket, settings, generation, red


def _judged(settings: Settings, run_id: str) -> StepContext:
    context = StepContext(settings, date(2024, 3, 6), run_id=run_id)
    context.results["verdict"] = STEPS["verdict"].run(context, None)
    return context


def test_before_the_acceptance_the_day_is_red(accepted_store) -> None:
    _, _, _, red = accepted_store
    with pytest.raises(UntrustedRun, match="2024-03-06 is red: untrusted file"):
        STEPS["check_trust"].run(red, None)


def test_an_accepted_loss_turns_the_run_green_and_names_the_gap(accepted_store) -> None:
    _, settings, _, _ = accepted_store
    context = _judged(settings, "after")
    verdict = context.results["verdict"]
    assert verdict["colour"] == "green" and verdict["reasons"] == []
    (gap,) = [c for c in verdict["caveats"] if c.startswith("accepted: ")]
    assert "order_items/dt=2024-03-06" in gap and "truncated_gzip" in gap
    assert "accepted by " in gap and "the export is lost; signed off by Ops" in gap
    summary = STEPS["check_trust"].run(context, None)
    assert summary["colour"] == "green" and "signed off by Ops" in summary["message"]


def test_the_orders_of_an_accepted_loss_stay_of_unknown_revenue(accepted_store) -> None:
    bucket, settings, generation, _ = accepted_store
    (lost,) = [
        f.path
        for f in generation.faults
        if f.outcome == "file_quarantined" and "/order_items/" in f.path
    ]
    day = lost.split("dt=", 1)[1][:10]
    first_seen: dict[str, str] = {}
    for info in sorted(bucket.list("landing/retail_db/orders/"), key=lambda i: i.key):
        for row in landed_csv_rows(bucket, info.key):
            first_seen.setdefault(row[0], info.key.split("dt=", 1)[1][:10])
    with_lines = {
        row[1]
        for info in bucket.list("landing/retail_db/order_items/")
        if info.key != lost
        for row in landed_csv_rows(bucket, info.key)
    }
    expected = {o for o, seen in first_seen.items() if seen == day and o not in with_lines}
    warehouse = connect(settings.warehouse)
    marked = warehouse.query(
        "select cast(order_id as varchar), net_revenue, is_complete, is_loss_accepted, "
        "incomplete_reason from marts.fct_orders where is_loss_accepted"
    )
    warehouse.close()
    assert expected and {row[0] for row in marked} == expected
    assert {row[1:] for row in marked} == {
        (None, False, True, "order lines file accepted as lost: truncated_gzip")
    }


def test_acceptances_have_a_read_path(accepted_store, tmp_path) -> None:
    _, settings, _, _ = accepted_store
    # A copy another process can open (dbt, run in this process, keeps the original open).
    store = BuiltStore(Bucket(settings.bucket), settings.warehouse, None, None)  # type: ignore[arg-type]
    copy = copy_warehouse(store, tmp_path)
    env_args = ["--bucket", settings.bucket, "--warehouse", f"duckdb:///{copy}", "--json"]
    status = shopsight("status", *env_args)
    assert status.returncode == 0, status.stderr
    (gap,) = json.loads(status.stdout)["accepted_gaps"]
    (lines,) = [t for t in json.loads(status.stdout)["tables"] if t["table"] == "order_items"]
    assert (lines["files_quarantined"], lines["files_untrusted"]) == (1, 0)
    assert "truncated_gzip" not in lines["open_quarantine_by_reason"]
    assert gap["file_reason"] == "truncated_gzip"
    assert gap["reason"] == "the export is lost; signed off by Ops" and gap["accepted_by"]
    listed = shopsight("quarantine", "list", *env_args)
    (held,) = [r for r in json.loads(listed.stdout)["quarantine"] if r["line"] is None]
    assert held["accepted"]["reason"] == "the export is lost; signed off by Ops"
    shown = shopsight("quarantine", "show", held["short_id"], *env_args[:-1])
    assert "accepted as it is by " in shown.stdout and "not re-admitted yet" not in shown.stdout
