"""The pipeline declaration: the diagram in the docs is generated from it, and the CLI runs
the same steps in the same order."""

from __future__ import annotations

from pathlib import Path

from shopsight.pipeline import DAILY_STEPS, mermaid_diagram

ROOT = Path(__file__).resolve().parents[2]


def test_orchestration_doc_shows_the_current_pipeline() -> None:
    document = (ROOT / "docs/orchestration.md").read_text()
    block = document.split("<!-- pipeline:begin")[1].split("-->", 1)[1]
    block = block.split("<!-- pipeline:end -->")[0].strip()
    assert block == mermaid_diagram(), "docs/orchestration.md's diagram is stale"


def test_steps_are_in_dependency_order() -> None:
    seen: set[str] = set()
    for step in DAILY_STEPS:
        assert set(step.upstream) <= seen, step.name
        seen.add(step.name)
    assert DAILY_STEPS[0].kind == "sensor" and DAILY_STEPS[-1].name == "check_trust"


def test_missing_files_stop_the_run_before_anything_loads(tmp_path) -> None:
    from datetime import date

    from shopsight.config import Settings
    from shopsight.pipeline import StepContext, run_daily

    settings = Settings(bucket=f"file://{tmp_path}/bucket", warehouse=f"duckdb:///{tmp_path}/w")
    outcomes = run_daily(StepContext(settings, date(2024, 5, 2)))

    assert outcomes[0].status == "failed"
    assert "landing/retail_db/orders/dt=2024-05-02/" in (outcomes[0].error or "")
    assert {o.status for o in outcomes[1:]} == {"skipped"}
    assert not (tmp_path / "w").exists()


def test_success_message_sums_up_the_run() -> None:
    from shopsight.alerts import success_alert

    results = {
        "ingest_retail_db": {
            "orders": {"files_loaded": 3, "rows_loaded": 100, "rows_rejected": 2},
            "order_items": {"files_loaded": 3, "rows_loaded": 250, "rows_rejected": 0},
        },
        "loyalty": {"ingest": {"files_loaded": 1, "rows_loaded": 40, "rows_rejected": 1}},
        "dbt_staging": {"tests": {"pass": 10}},
        "dbt_marts": {"tests": {"pass": 5, "warn": 1}},
        "verdict": {
            "day": "2024-03-31",
            "colour": "green",
            "reasons": [],
            "caveats": ["accepted: landing/x.csv (truncated_gzip) accepted by ana: lost"],
        },
    }
    alert = success_alert("shopsight_daily", "run-1", results, 61.2)
    assert alert.subject == "[ShopSight] OK shopsight_daily (run run-1)"
    assert alert.body == (
        "shopsight_daily run run-1 succeeded in 61 s: 7 files loaded (390 rows), "
        "3 rows quarantined, 15 tests passed. Verdict for 2024-03-31: GREEN.\n"
        "- accepted: landing/x.csv (truncated_gzip) accepted by ana: lost"
    )


def test_redaction_removes_configured_secrets_and_credentials() -> None:
    from pydantic import SecretStr

    from shopsight.alerts import redact
    from shopsight.config import Settings

    settings = Settings(
        slack_webhook_url=SecretStr("https://hooks.slack.com/services/T/B/xyz"),
        smtp_password=SecretStr("s3cr3t"),
    )
    text = redact(
        "posting to https://hooks.slack.com/services/T/B/xyz failed; login s3cr3t; "
        "postgresql://loader:hunter2@db/shop; api_key=abc123",
        settings,
    )
    for secret in ("xyz", "s3cr3t", "hunter2", "abc123"):
        assert secret not in text
    assert "postgresql://loader:***@db/shop" in text


def _waiting(tmp_path, wait_seconds: float):
    from datetime import date

    from shopsight.config import Settings
    from shopsight.pipeline import StepContext

    settings = Settings(
        bucket=f"file://{tmp_path}/bucket",
        warehouse=f"duckdb:///{tmp_path}/w",
        landing_poke_seconds=1,
    )
    context = StepContext(settings, date(2024, 5, 2))
    context.wait_seconds = wait_seconds
    return context


def test_a_run_without_wait_names_the_missing_folders_at_once(tmp_path) -> None:
    import pytest

    from shopsight.pipeline import StepFailed

    wait = next(step for step in DAILY_STEPS if step.name == "wait_for_landing")
    with pytest.raises(StepFailed, match="files of 2024-05-02 have not all landed: ") as failed:
        wait.run(_waiting(tmp_path, 0), None)
    assert "landing/thelook/events/dt=2024-05-02/" in str(failed.value)
    assert "after waiting" not in str(failed.value)


def test_a_run_that_waits_goes_on_once_the_files_land(tmp_path) -> None:
    from shopsight.pipeline import DAILY_FILES

    wait = next(step for step in DAILY_STEPS if step.name == "wait_for_landing")
    context = _waiting(tmp_path, 600)
    countdown: list[tuple[float, list[str]]] = []

    def land_the_files(seconds_left: float, missing: list[str]) -> None:
        countdown.append((seconds_left, missing))  # the files land while the run waits
        for source, tables in DAILY_FILES.items():
            for table in tables:
                context.bucket.write_bytes(
                    f"landing/{source}/{table}/dt=2024-05-02/part-00000.csv", b"x\n"
                )

    context.on_wait = land_the_files
    assert wait.run(context, None) == {"day": "2024-05-02"}
    assert len(countdown) == 1 and 0 < countdown[0][0] <= 600 and len(countdown[0][1]) == 5
