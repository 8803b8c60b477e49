"""The events star: built and tested by dbt, and checked here against counts made straight
from the generated files with Python's csv and json modules."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal

from shopsight.build import build, run_dbt
from shopsight.ingest.warehouse import connect
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores

from built_store import BuiltStore, build_web_store, copy_warehouse, query


def _rows(store: BuiltStore, table: str) -> list[dict[str, str]]:
    rows = []
    for info in store.bucket.list(f"landing/thelook/{table}/"):
        data = store.bucket.read_bytes(info.key)
        text = (gzip.decompress(data) if info.key.endswith(".gz") else data).decode()
        rows += list(csv.DictReader(io.StringIO(text)))
    return rows


def _sessions_from_files(store: BuiltStore) -> dict[str, list[dict[str, str]]]:
    sessions: dict[str, list[dict[str, str]]] = defaultdict(list)
    for event in _rows(store, "events"):
        sessions[event["session_id"]].append(event)
    return sessions


def test_web_build_is_green(web_store: BuiltStore) -> None:
    assert web_store.build.success, web_store.build.failures
    assert web_store.build.tests.get("warn", 0) == 0, "a warn test fired on fault-free data"
    assert web_store.build.models["success"] >= 30


def test_funnel_totals_equal_an_independent_count_of_the_event_files(
    web_store: BuiltStore,
) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for events in _sessions_from_files(web_store).values():
        first = min(events, key=lambda e: int(e["sequence_number"]))
        day, source = first["created_at"][:10], first["traffic_source"]
        kinds = Counter(e["event_type"] for e in events)
        expected[(day, source, "sessions")] += 1
        expected[(day, source, "product_views")] += kinds["product"]
        expected[(day, source, "carts")] += kinds["cart"]
        expected[(day, source, "purchases")] += kinds["purchase"]
        expected[(day, source, "converted")] += kinds["purchase"] > 0
    found: Counter[tuple[str, str, str]] = Counter()
    for day, source, sessions, views, carts, purchases, converted in query(
        web_store,
        "select cast(session_date as varchar), traffic_source, sum(sessions), "
        "sum(product_views), sum(carts), sum(purchases), sum(sessions_with_purchase) "
        "from web.fct_funnel_daily group by 1, 2",
    ):
        for name, value in [
            ("sessions", sessions),
            ("product_views", views),
            ("carts", carts),
            ("purchases", purchases),
            ("converted", converted),
        ]:
            found[(day, source, name)] += int(value)
    assert +found == +expected
    assert sum(v for k, v in expected.items() if k[2] == "purchases") > 100


def test_purchase_events_equal_order_items(web_store: BuiltStore) -> None:
    order_items = {row["id"] for row in _rows(web_store, "order_items")}
    purchases = [e for e in _rows(web_store, "events") if e["event_type"] == "purchase"]
    assert len(purchases) == len(order_items)
    [(events, items)] = query(
        web_store,
        "select (select count(*) from web.fct_events where event_type = 'purchase'), "
        "(select count(*) from web.fct_order_items)",
    )
    assert events == items == len(order_items)


def test_anonymous_events_point_at_the_unknown_user(web_store: BuiltStore) -> None:
    anonymous = sum(1 for e in _rows(web_store, "events") if not e["user_id"])
    [(found, unknown_name)] = query(
        web_store,
        "select count(*), min(u.first_name) from web.fct_events e "
        "join web.dim_users u on u.user_key = e.user_key where u.is_unknown",
    )
    assert anonymous > 0 and found == anonymous and unknown_name == "Anonymous"


def test_product_keys_come_from_the_uri(web_store: BuiltStore) -> None:
    rows = query(
        web_store,
        "select e.uri, p.product_id from web.fct_events e "
        "join web.dim_products p on p.product_key = e.product_key where e.event_type = 'product'",
    )
    assert rows and all(uri == f"/product/{product_id}" for uri, product_id in rows)


def test_cart_and_purchase_events_carry_the_product_last_viewed(web_store: BuiltStore) -> None:
    """Recounted from the event files: an action's product is the last product page viewed
    before it in its session (none before any view)."""
    expected: dict[str, int | None] = {}
    for events in _sessions_from_files(web_store).values():
        viewed: int | None = None
        for event in sorted(events, key=lambda e: (int(e["sequence_number"]), int(e["id"]))):
            if event["uri"].startswith("/product/"):
                viewed = int(event["uri"].split("/")[2])
            elif event["event_type"] in ("cart", "purchase", "cancel"):
                expected[event["id"]] = viewed
    found = {
        str(event_id): (None if unknown else product_id)
        for event_id, product_id, unknown in query(
            web_store,
            "select e.event_id, p.product_id, p.is_unknown from web.fct_events e "
            "join web.dim_products p on p.product_key = e.product_key "
            "where e.event_type in ('cart', 'purchase', 'cancel')",
        )
    }
    assert found == expected
    assert sum(v is not None for v in expected.values()) > 100


def test_margin_and_revenue_to_the_cent(web_store: BuiltStore) -> None:
    items = {row["id"]: row for row in _rows(web_store, "order_items")}  # latest delivery wins
    expected = sum((Decimal(row["sale_price"]) for row in items.values()), Decimal(0))
    [(total,)] = query(web_store, "select sum(sale_price) from web.fct_order_items")
    assert total == expected


def test_dim_users_carries_the_loyalty_score(web_store: BuiltStore) -> None:
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for info in web_store.bucket.list("landing/transactions/"):
        for line in web_store.bucket.read_bytes(info.key).decode().splitlines():
            record = json.loads(line, parse_float=Decimal)
            bonus = 10 if record["is_repeat_purchase"] else 0
            expected[record["user_id"]] += record["transaction_amount"] + bonus
    scores = dict(
        query(web_store, "select user_id, loyalty_score from web.dim_users where not is_unknown")
    )
    assert {u: s for u, s in scores.items() if s} == dict(expected)
    assert all(s == 0 for u, s in scores.items() if u not in expected)


def test_faulty_web_shop_still_builds_with_every_error_test_passing(
    faulty_web_store: BuiltStore,
) -> None:
    assert faulty_web_store.build.success, faulty_web_store.build.failures
    assert faulty_web_store.generation.faults


def test_web_shop_is_fresh_and_an_empty_source_is_not(web_store: BuiltStore) -> None:
    fresh = run_dbt(web_store.warehouse_url, ["source", "freshness", "--select", "source:thelook"])
    sources = [r for r in fresh.result.results if r.node.resource_type == "source"]
    assert fresh.success and sources and {str(r.status) for r in sources} == {"pass"}
    # This warehouse never loaded retail_db: its freshness check must not pass.
    stale = run_dbt(
        web_store.warehouse_url, ["source", "freshness", "--select", "source:retail_db"]
    )
    assert not stale.success


def test_a_negative_loyalty_score_is_legal_end_to_end(tmp_path) -> None:
    store = build_web_store(tmp_path, "none", days=2, users=80)
    refund = {
        "transaction_id": 999_999,
        "user_id": 1,
        "transaction_amount": -5000.25,
        "is_repeat_purchase": False,
        "transacted_at": "2024-01-02T12:00:00Z",
    }
    store.bucket.write_bytes(
        "landing/transactions/transactions/dt=2024-01-02/refunds.jsonl",
        (json.dumps(refund) + "\n").encode(),
    )
    warehouse = connect(store.warehouse_url)
    refresh_loyalty_scores(store.bucket, warehouse)
    warehouse.close()
    rebuilt = build(store.warehouse_url, ["dim_users"])
    assert rebuilt.success, rebuilt.failures
    [(score,)] = query(store, "select loyalty_score from web.dim_users where user_id = 1")
    assert score < 0


def test_simulating_webhooks_that_all_fail_exits_non_zero(web_store: BuiltStore, tmp_path) -> None:
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "shopsight", "tracking", "simulate", "--json"),
            *("--url", f"http://127.0.0.1:{port}/webhooks/aftership"),
            *("--warehouse", f"duckdb:///{copy_warehouse(web_store, tmp_path)}"),
            *("--duration", "1", "--rate", "20"),
        ],
        env={**os.environ, "SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET": "s3cret"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    assert report["sent"] > 0 and report["failed"] == report["sent"]
    assert done.returncode == 1
