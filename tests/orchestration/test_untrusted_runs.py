"""An untrusted file keeps every run red, whichever run found it, and is alerted once."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from shopsight.config import Settings
from shopsight.ingest.loader import ingest
from shopsight.ingest.problems import accept_problem, open_problems
from shopsight.ingest.warehouse import connect
from shopsight.pipeline import DAILY_STEPS, StepContext, UntrustedRun, alert_new_problems
from shopsight.storage import Bucket

from sinks import slack_sink
from support import generate_small_store

CHECK_TRUST = next(step for step in DAILY_STEPS if step.name == "check_trust")
VERDICT = next(step for step in DAILY_STEPS if step.name == "verdict")


def judged(settings: Settings, run_id: str) -> StepContext:
    """A run's context after its verdict step (check_trust reads the verdict)."""
    context = StepContext(settings, run_id=run_id)
    context.results["verdict"] = VERDICT.run(context, None)
    return context


def test_a_rerun_stays_red_and_the_problem_is_alerted_once(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket)
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    for _ in range(2):  # the second run loads nothing new
        warehouse = connect(url)
        ingest(bucket, warehouse)
        warehouse.close()
    with slack_sink() as (webhook, posted):
        settings = Settings(bucket=bucket.url, warehouse=url, slack_webhook_url=SecretStr(webhook))
        for run in ("run-1", "run-2"):
            with pytest.raises(UntrustedRun, match="is red: untrusted file: .*truncated_gzip"):
                CHECK_TRUST.run(judged(settings, run), None)
            alert_new_problems(settings, run)
    assert len(posted) == 1, "one alert per new problem, not one per red day"
    assert "truncated_gzip" in posted[0]["text"] and "shopsight quarantine" in posted[0]["text"]
    warehouse = connect(url)
    for problem in open_problems(warehouse):
        accept_problem(warehouse, problem.problem_id, "lost at the source")
    warehouse.close()
    summary = CHECK_TRUST.run(judged(settings, "run-3"), None)  # green again
    assert "succeeded" in summary["message"] and summary["colour"] == "green"
    assert "accepted: " in summary["message"] and "lost at the source" in summary["message"]
