"""Campaign performance, recounted from the generated files with Python's csv module: the
attribution rule, revenue and orders by source and touch, and visitor behaviour."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from built_store import BuiltStore, query
from support import landed_csv_rows

HOUR = timedelta(hours=1)
LOOKBACK = timedelta(days=30)  # var attribution_lookback_days


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix(" UTC"))


def _latest(store: BuiltStore, table: str, key: str) -> dict[str, dict[str, str]]:
    """The latest delivered version of each row (later day, then later line)."""
    rows: dict[str, dict[str, str]] = {}
    for info in sorted(store.bucket.list(f"landing/thelook/{table}/"), key=lambda i: i.key):
        data = store.bucket.read_bytes(info.key)
        text = (gzip.decompress(data) if info.key.endswith(".gz") else data).decode()
        for row in csv.DictReader(io.StringIO(text)):
            rows[row[key]] = row
    return rows


@dataclass
class Session:
    session_id: str
    user_id: str
    source: str
    started: datetime
    ended: datetime
    events: int
    purchases: list[datetime]


def _sessions(store: BuiltStore) -> dict[str, Session]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for event in _latest(store, "events", "id").values():
        grouped[event["session_id"]].append(event)
    sessions = {}
    for session_id, events in grouped.items():
        first = min(events, key=lambda e: (int(e["sequence_number"]), int(e["id"])))
        times = [_stamp(e["created_at"]) for e in events]
        sessions[session_id] = Session(
            session_id,
            first["user_id"],
            first["traffic_source"],
            min(times),
            max(times),
            len(events),
            [_stamp(e["created_at"]) for e in events if e["event_type"] == "purchase"],
        )
    return sessions


def _attribution(store: BuiltStore) -> dict[str, tuple[str | None, str, str | None]]:
    """order id → (last-touch session, rule, first-touch session), by the documented rule."""
    by_user: dict[str, list[Session]] = defaultdict(list)
    for session in _sessions(store).values():
        if session.user_id:
            by_user[session.user_id].append(session)
    result = {}
    for order_id, order in _latest(store, "orders", "order_id").items():
        at, mine = _stamp(order["created_at"]), by_user.get(order["user_id"], [])
        near = [
            (abs((moment - at).total_seconds()), moment, s.session_id)
            for s in mine
            for moment in s.purchases
            if at - HOUR <= moment <= at + HOUR
        ]
        before = [s for s in mine if at - LOOKBACK <= s.started <= at]
        if near:
            last, rule = min(near)[2], "purchase event"
        elif before:
            last = min(before, key=lambda s: (-s.started.timestamp(), s.session_id)).session_id
            rule = "session before the order"
        else:
            last, rule = None, "no session"
        early = [s for s in mine if s.started <= at + HOUR]
        first = min(early, key=lambda s: (s.started, s.session_id)).session_id if early else None
        result[order_id] = (last, rule, first)
    return result


def test_every_order_is_attributed_by_the_documented_rule(web_store: BuiltStore) -> None:
    expected = _attribution(web_store)
    found = {
        str(order_id): (last, rule, first)
        for order_id, last, rule, first in query(
            web_store,
            "select order_id, last_touch_session_id, last_touch_rule, first_touch_session_id "
            "from web.fct_orders",
        )
    }
    assert found == expected
    rules = Counter(rule for _, rule, _ in expected.values())
    assert rules["purchase event"] > 100


def _cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_revenue_and_orders_by_source_and_touch_equal_a_recount(web_store: BuiltStore) -> None:
    sessions = _sessions(web_store)
    orders = _latest(web_store, "orders", "order_id")
    net: dict[str, Decimal] = defaultdict(Decimal)
    for item in _latest(web_store, "order_items", "id").values():
        if item["status"] not in ("Cancelled", "Returned"):
            net[item["order_id"]] += _cents(item["sale_price"])
    firsts = {}  # each customer's first order that counts as revenue: a new customer's
    for order_id, order in sorted(
        orders.items(), key=lambda pair: (_stamp(pair[1]["created_at"]), int(pair[0]))
    ):
        if order["status"] not in ("Cancelled", "Returned"):
            firsts.setdefault(order["user_id"], order_id)
    expected: Counter[tuple[str, str, str]] = Counter()
    for order_id, (last, _, first) in _attribution(web_store).items():
        day = orders[order_id]["created_at"][:10]
        for touch, session_id in (("last", last), ("first", first)):
            source = sessions[session_id].source if session_id else "Unknown"
            expected[(day, source, f"{touch}_orders")] += 1
            expected[(day, source, f"{touch}_net")] += net[order_id]  # type: ignore[assignment]
            expected[(day, source, f"{touch}_new")] += (
                firsts.get(orders[order_id]["user_id"]) == order_id
            )
    for session in sessions.values():
        day = session.started.date().isoformat()
        expected[(day, session.source, "sessions")] += 1
        expected[(day, session.source, "converted")] += bool(session.purchases)
        expected[(day, session.source, "bounced")] += session.events == 1
    found: Counter[tuple[str, str, str]] = Counter()
    for row in query(
        web_store,
        "select cast(day as varchar), traffic_source, sessions, converted_sessions, "
        "bounced_sessions, last_touch_orders, last_touch_net_revenue, "
        "last_touch_new_customer_orders, first_touch_orders, first_touch_net_revenue, "
        "first_touch_new_customer_orders from web.fct_channel_daily",
    ):
        day, source, *values = row
        names = [
            "sessions", "converted", "bounced", "last_orders", "last_net", "last_new",
            "first_orders", "first_net", "first_new",
        ]  # fmt: skip
        for name, value in zip(names, values, strict=True):
            found[(day, source, name)] += value
    assert +found == +expected
    assert sum(v for k, v in expected.items() if k[2] == "last_net") > 1000


def test_visitor_behaviour_equals_a_recount(web_store: BuiltStore) -> None:
    sessions = _sessions(web_store)
    numbers: dict[str, int] = {}
    by_user: dict[str, list[Session]] = defaultdict(list)
    for session in sessions.values():
        if session.user_id:
            by_user[session.user_id].append(session)
    for mine in by_user.values():
        for number, session in enumerate(sorted(mine, key=lambda s: (s.started, s.session_id)), 1):
            numbers[session.session_id] = number
    expected = {
        s.session_id: (
            numbers.get(s.session_id),
            s.events == 1,
            int((s.ended - s.started).total_seconds()),
            s.started.hour,
        )
        for s in sessions.values()
    }
    found = {
        session_id: (number, bounce, duration, hour)
        for session_id, number, bounce, duration, hour in query(
            web_store,
            "select session_id, session_number, is_bounce, duration_seconds, start_hour "
            "from web.fct_sessions",
        )
    }
    assert found == expected
    assert any(n and n > 1 for n, *_ in expected.values())


CHANNELS = {"Search": "Organic", "Organic": "Organic", "Email": "Owned"}  # others: Paid


def _monday(moment: datetime) -> str:
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def test_signup_cohorts_equal_a_recount(web_store: BuiltStore) -> None:
    users = _latest(web_store, "users", "id")
    orders = _latest(web_store, "orders", "order_id")
    net: dict[str, Decimal] = defaultdict(Decimal)
    for item in _latest(web_store, "order_items", "id").values():
        if item["status"] not in ("Cancelled", "Returned"):
            net[item["order_id"]] += _cents(item["sale_price"])
    cohort = {
        user_id: (_monday(_stamp(u["created_at"])), CHANNELS.get(u["traffic_source"], "Paid"))
        for user_id, u in users.items()
    }
    active: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    money: Counter[tuple[str, str, str]] = Counter()
    counted: Counter[tuple[str, str, str]] = Counter()
    for session in _sessions(web_store).values():
        if session.user_id:
            active[(*cohort[session.user_id], _monday(session.started))].add(session.user_id)
    for order_id, order in orders.items():
        key = (*cohort[order["user_id"]], _monday(_stamp(order["created_at"])))
        active[key].add(order["user_id"])
        money[key] += net[order_id]  # type: ignore[assignment]
        counted[key] += 1
    found = {
        (str(week_start), channel, str(week)): (active_users, n_orders, revenue)
        for week_start, channel, week, active_users, n_orders, revenue in query(
            web_store,
            "select cohort_week, acquisition_channel, week, active_users, orders, net_revenue "
            "from web.fct_signup_cohorts where active_users > 0",
        )
    }
    expected = {key: (len(who), counted[key], money[key]) for key, who in active.items()}
    assert found == expected
    sizes = Counter(cohort.values())
    for week_start, channel, size, cumulative, revenue in query(
        web_store,
        "select cohort_week, acquisition_channel, cohort_size, max(cumulative_net_revenue), "
        "sum(net_revenue) from web.fct_signup_cohorts group by 1, 2, 3",
    ):
        assert size == sizes[(str(week_start), channel)]
        assert cumulative == revenue


def test_orders_of_a_day_without_its_events_are_not_attributed(faulty_web_store) -> None:
    (lost,) = [
        f.path
        for f in faulty_web_store.generation.faults
        if f.outcome == "file_quarantined" and "/events/" in f.path
    ]
    day = lost.split("dt=", 1)[1][:10]
    that_day = {
        order_id
        for info in faulty_web_store.bucket.list("landing/thelook/orders/")
        for order_id, order in _rows_by_key(faulty_web_store, info.key, "order_id").items()
        if order["created_at"].startswith(day)
    }
    unattributed = query(
        faulty_web_store,
        "select cast(order_id as varchar), last_touch_source, last_touch_session_id, "
        "is_attribution_complete from web.fct_orders where last_touch_rule = 'events missing'",
    )
    assert that_day and {row[0] for row in unattributed} == that_day
    assert {row[1:] for row in unattributed} == {("Events missing", None, False)}
    days = query(
        faulty_web_store,
        "select traffic_source, sessions, is_complete_day, last_touch_orders "
        f"from web.fct_channel_daily where day = '{day}'",
    )
    assert days and all(sessions is None and not whole for _, sessions, whole, _ in days)
    credited = {source: orders for source, _, _, orders in days if orders}
    assert credited == {"Events missing": len(that_day)}


def _rows_by_key(store: BuiltStore, key: str, column: str) -> dict[str, dict[str, str]]:
    header, *rows = landed_csv_rows(store.bucket, key) or [[]]
    named = [dict(zip(header, row, strict=False)) for row in rows]
    return {row[column]: row for row in named if row.get(column)}
