"""Tracking in the warehouse: webhook events and API pages, delivered with duplicates and out
of order, become one history per tracking and one shipment row per order line, checked
against the simulated tag progressions computed here."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import date, datetime

import duckdb

from shopsight.build import build, run_dbt
from shopsight.generate.thelook_export import generate_thelook
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket
from shopsight.tracking.simulate import delivery_order, shipped_lines, tracking_events
from shopsight.tracking.spool import Spool


def test_tracking_history_and_shipments_follow_updated_at_not_arrival(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    generate_thelook(bucket, date(2024, 1, 1), 20, 500, 3, "none")
    warehouse = connect(url)
    ingest(bucket, warehouse, "thelook")
    warehouse.close()
    assert build(url).success
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    rows = connection.execute(
        "select order_item_id, order_id, shipped_at, delivered_at from web.fct_order_items "
        "where shipped_at is not null order by 1"
    ).fetchall()
    connection.close()
    events = tracking_events(shipped_lines(rows), seed=3)
    arrivals = delivery_order(events, seed=3)
    assert len(arrivals) > len(events)  # some delivered twice

    # Most arrive by webhook; the trackings of every tenth line come (again) from the API.
    spool = Spool(tmp_path / "spool", bucket)
    for event in arrivals:
        spool.append("event", {"received_at": "2024-02-01T00:00:00+00:00", "body": event})
    spool.flush()
    api_page = [
        e["msg"] for e in events if int(e["msg"]["custom_fields"]["order_item_id"]) % 10 == 0
    ]
    body = "".join(json.dumps(t) + "\n" for t in api_page).encode()
    bucket.write_bytes("raw/aftership/api/dt=2024-02-01/page-1.jsonl.gz", gzip.compress(body))

    warehouse = connect(url)
    report = ingest(bucket, warehouse, "aftership")
    warehouse.close()
    assert report.trusted and sum(f.rows_rejected for f in report.files) == 0
    summary = build(url, ["stg_aftership__tracking_updates+"])
    assert summary.success, summary.failures

    # The expected outcome, from the simulated states in time order.
    states: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for event in events:
        message = event["msg"]
        moment = datetime.fromisoformat(message["updated_at"])
        states[int(message["custom_fields"]["order_item_id"])].append((moment, message["tag"]))
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    found = {
        row[0]: row[1:]
        for row in connection.execute(
            "select order_item_id, latest_tag, delivered_at, failed_attempts, had_exception, "
            "state_changes from web.fct_order_item_shipments"
        ).fetchall()
    }
    changes = connection.execute("select count(*) from web.fct_shipment_events").fetchone()[0]
    connection.close()
    assert set(found) == set(states) == {r[0] for r in rows}
    expected_changes = 0
    for item, history in states.items():
        history.sort()
        tags = [tag for _, tag in history]
        delivered = next((m for m, tag in history if tag == "Delivered"), None)
        latest_tag, delivered_at, failed, exception, state_changes = found[item]
        assert latest_tag == tags[-1], item
        assert delivered_at == (delivered.replace(tzinfo=None) if delivered else None), item
        assert failed == tags.count("AttemptFail"), item
        assert exception == ("Exception" in tags), item
        distinct = sum(1 for i, tag in enumerate(tags) if i == 0 or tags[i - 1] != tag)
        assert state_changes == distinct, item
        expected_changes += distinct
    assert changes == expected_changes
    # The newest event was received on 2024-02-01: stale for the 1-hour warning, fresh for a
    # threshold of ten years.
    stale = run_dbt(url, ["source", "freshness", "--select", "source:aftership.webhook_events"])
    assert [str(r.status) for r in stale.result.results] == ["warn"]
    fresh = run_dbt(
        url,
        [
            "source",
            "freshness",
            "--select",
            "source:aftership.webhook_events",
            "--vars",
            "{tracking_freshness_warn_hours: 87600}",
        ],
    )
    assert [str(r.status) for r in fresh.result.results] == ["pass"]
