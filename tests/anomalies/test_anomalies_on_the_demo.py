"""Anomalies on the 90-day demo store (issue 33), found by the daily run's monitors.

The demo is generated twice: as it is, and with `--anomalies` (one day of each kind, logged
in `manifests/anomalies/`). After `shopsight run`, every day from the fifth week on is
checked as the daily run checks its day. With the anomalies, each one is found on its day
by a monitor the manifest names, naming the part the manifest names (the lost category,
the vanished traffic source, the customer of the wave); no other day raises one. Without
them, no day raises one. An empty but valid web-shop day is never green.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.generate.anomalies import (
    FIRST_OFFSET,
    KINDS,
    InjectedAnomaly,
    inject_anomalies,
    read_anomaly_manifests,
)
from shopsight.generate.demo_store import DEMO_DAYS, DEMO_SOURCES, DEMO_START
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from support import shopsight


def demo_run(root: Path, anomalies: bool) -> tuple[dict[str, str], dict[str, Any]]:
    bucket = Bucket(f"file://{root}/bucket")
    for write in DEMO_SOURCES.values():
        write(bucket)
    if anomalies:
        inject_anomalies(bucket, DEMO_START, DEMO_DAYS, 42)
    env = {
        **os.environ,
        "SHOPSIGHT_BUCKET": bucket.url,
        "SHOPSIGHT_WAREHOUSE": f"duckdb:///{root}/warehouse.duckdb",
    }
    run = shopsight("run", "--json", env=env)
    assert run.returncode == 1, run.stderr[-2000:]  # red: the demo's untrusted files
    return env, json.loads(run.stdout)


def every_day_checked(env: dict[str, str]) -> list[dict[str, Any]]:
    """Each day from the fifth week to the last whole one, checked as its own run would."""
    warehouse = connect(env["SHOPSIGHT_WAREHOUSE"])
    found: list[dict[str, Any]] = []
    try:
        monitors = load_monitors()
        for offset in range(FIRST_OFFSET - 7, DEMO_DAYS - 1):
            found += check_anomalies(warehouse, monitors, DEMO_START + timedelta(offset)).anomalies
    finally:
        warehouse.close()
    return found


def named(anomaly: dict[str, Any], injected: InjectedAnomaly) -> bool:
    parts = [part["name"] for part in anomaly["parts"]]
    return (
        anomaly["day"] == injected.day
        and anomaly["monitor"] in injected.monitors
        and (injected.part is None or injected.part in parts)
    )


@pytest.mark.timeout(900)
def test_every_injected_anomaly_is_found_with_its_part_and_no_other_day(tmp_path: Path) -> None:
    env, run = demo_run(tmp_path, anomalies=True)
    injected = read_anomaly_manifests(Bucket(env["SHOPSIGHT_BUCKET"]))
    assert sorted(a.kind for a in injected) == sorted(KINDS)
    # The run itself checked every file day it loaded: the empty web-shop day is among them.
    step = next(s for s in run["steps"] if s["name"] == "anomalies")
    assert step["status"] == "success"
    empty = next(a for a in injected if a.kind == "empty_web_day")
    assert any(named(a, empty) for a in step["summary"]["anomalies"])

    found = every_day_checked(env)
    for anomaly in injected:
        assert any(named(a, anomaly) for a in found), (
            anomaly,
            [a["sentence"] for a in found if a["day"] == anomaly.day],
        )
    injected_days = {a.day for a in injected}
    assert [a["sentence"] for a in found if a["day"] not in injected_days] == []
    category = next(a for a in injected if a.kind == "category_loss")
    (loss,) = [a for a in found if named(a, category)]
    assert f"category {category.part} 0 % of the total (usual" in loss["sentence"]


@pytest.mark.timeout(900)
def test_the_clean_demo_raises_none(tmp_path: Path) -> None:
    env, run = demo_run(tmp_path, anomalies=False)
    assert next(s for s in run["steps"] if s["name"] == "anomalies")["summary"]["anomalies"] == []
    assert every_day_checked(env) == []


def test_an_empty_but_valid_web_shop_day_is_never_green(tmp_path: Path) -> None:
    """Header-only events and orders files and an empty transactions file, on a store with
    a week of history (too little for any band): amber, and the summary says why."""
    start, days = date(2024, 5, 1), 8
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_thelook(bucket, start, days, 300, 7, "none")
    generate_transactions(bucket, start, days, 300, 7, "none")
    last = (start + timedelta(days=days - 1)).isoformat()
    for table in ("events", "orders"):
        key = f"landing/thelook/{table}/dt={last}/part-00000.csv"
        header = bucket.read_bytes(key).decode().splitlines()[0]
        bucket.write_bytes(key, (header + "\n").encode())
    bucket.write_bytes(f"landing/transactions/transactions/dt={last}/part-00000.jsonl", b"")
    env = {
        **os.environ,
        "SHOPSIGHT_BUCKET": bucket.url,
        "SHOPSIGHT_WAREHOUSE": f"duckdb:///{tmp_path}/warehouse.duckdb",
    }
    run = shopsight("run", env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "AMBER" in run.stdout and "GREEN" not in run.stdout
    for table in ("thelook.events", "thelook.orders", "transactions.transactions"):
        assert f"{table} delivered no rows for {last}" in " ".join(run.stdout.split())
    status = json.loads(shopsight("status", "--json", env=env).stdout)
    assert status["verdict"]["colour"] == "amber"
    assert len(status["open_anomalies"]) == 3
    # Acknowledged (a shop closed for a day), the day is owned: the rerun is green.
    for anomaly in status["open_anomalies"]:
        acked = shopsight("anomalies", "ack", anomaly["anomaly_id"], "--reason", "closed", env=env)
        assert acked.returncode == 0, acked.stderr
    again = shopsight("run", "--json", env=env)
    assert again.returncode == 0
    verdict = next(s for s in json.loads(again.stdout)["steps"] if s["name"] == "verdict")
    assert verdict["summary"]["colour"] == "green", verdict["summary"]
