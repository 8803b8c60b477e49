"""Simulated AfterShip traffic for the generated web shop's shipped order lines.

Each shipped line gets a tracking and a realistic tag progression (InfoReceived → InTransit
→ OutForDelivery → Delivered, with failed attempts, pickup points, exceptions and expired
trackings now and then), one webhook event per state, each carrying the whole tracking
(checkpoints so far) and ``order_id``/``order_item_id`` in ``custom_fields``. The delivery
order mimics AfterShip's retries: some events arrive twice, some after a later one.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shopsight.tracking.signature import sign

COURIERS = ["ups", "fedex", "dhl", "usps"]
PLACES = ["Memphis TN", "Chicago IL", "Houston TX", "Los Angeles CA", "Newark NJ"]


@dataclass(frozen=True)
class ShippedLine:
    order_item_id: int
    order_id: int
    shipped_at: datetime
    delivered_at: datetime | None


def shipped_lines(rows: list[tuple[Any, ...]]) -> list[ShippedLine]:
    """Rows of (order_item_id, order_id, shipped_at, delivered_at) as ShippedLines."""
    return [ShippedLine(int(r[0]), int(r[1]), r[2], r[3]) for r in rows if r[2] is not None]


def _states(rng: random.Random, line: ShippedLine) -> list[tuple[str, datetime]]:
    shipped = line.shipped_at
    states = [("InfoReceived", shipped - timedelta(hours=6)), ("InTransit", shipped)]
    if line.delivered_at is None:
        if rng.random() < 0.08:
            states.append(("Exception", shipped + timedelta(days=2)))
        elif rng.random() < 0.04:
            states.append(("Expired", shipped + timedelta(days=30)))
        return states
    delivered = line.delivered_at
    if rng.random() < 0.12:
        states.append(("OutForDelivery", delivered - timedelta(days=1, hours=4)))
        states.append(("AttemptFail", delivered - timedelta(days=1)))
    if rng.random() < 0.06:
        states.append(("AvailableForPickup", delivered - timedelta(hours=3)))
    else:
        states.append(("OutForDelivery", delivered - timedelta(hours=4)))
    states.append(("Delivered", delivered))
    return sorted(states, key=lambda s: s[1])


def tracking_events(lines: list[ShippedLine], seed: int = 7) -> list[dict[str, Any]]:
    """Every webhook event of every line's tracking, in the order the states happened."""
    rng = random.Random(seed)
    events = []
    for line in lines:
        tracking_id = uuid.UUID(int=rng.getrandbits(128)).hex
        number = f"1Z{rng.randrange(10**12):012d}"
        slug = rng.choice(COURIERS)
        checkpoints: list[dict[str, Any]] = []
        seen_tags: set[str] = set()
        failed = 0
        for tag, moment in _states(rng, line):
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            failed += tag == "AttemptFail"
            checkpoints.append(
                {
                    "checkpoint_time": moment.isoformat(),
                    "created_at": moment.isoformat(),
                    "tag": tag,
                    "subtag": f"{tag}_001",
                    "location": rng.choice(PLACES),
                    "message": tag,
                    "slug": slug,
                }
            )
            events.append(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "event": "tracking_update",
                    "is_tracking_first_tag": tag not in seen_tags,
                    "ts": int(moment.timestamp()),
                    "msg": {
                        "id": tracking_id,
                        "tracking_number": number,
                        "slug": slug,
                        "tag": tag,
                        "subtag": f"{tag}_001",
                        "updated_at": moment.isoformat(),
                        "active": tag not in ("Delivered", "Expired"),
                        "failed_delivery_attempts": failed,
                        "custom_fields": {
                            "order_id": str(line.order_id),
                            "order_item_id": str(line.order_item_id),
                        },
                        "checkpoints": list(checkpoints),
                    },
                }
            )
            seen_tags.add(tag)
    return events


def delivery_order(events: list[dict[str, Any]], seed: int = 7) -> list[dict[str, Any]]:
    """The events as AfterShip would deliver them: about 5 % twice, about 10 % swapped with
    the next one (a retry arriving after a later state)."""
    rng = random.Random(f"{seed}:delivery")
    ordered = []
    for event in events:
        ordered.append(event)
        if rng.random() < 0.05:
            ordered.append(event)
    for i in range(len(ordered) - 1):
        if rng.random() < 0.10:
            ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    return ordered


@dataclass
class SendReport:
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    seconds: float = 0.0


def send_events(
    url: str,
    events: Iterator[dict[str, Any]] | list[dict[str, Any]],
    secret: str,
    rate: float,
    duration: float | None,
    on_sent: Callable[[], None] | None = None,
) -> SendReport:
    """POST signed events to ``url`` at ``rate`` per second, for at most ``duration`` s."""
    report = SendReport()
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:
        for event in events:
            elapsed = time.monotonic() - started
            if duration is not None and elapsed >= duration:
                break
            ahead = report.sent / rate - elapsed
            if ahead > 0:
                time.sleep(ahead)
            body = json.dumps(event).encode()
            headers = {
                "content-type": "application/json",
                "aftership-hmac-sha256": sign(body, secret),
            }
            report.sent += 1
            try:
                response = client.post(url, content=body, headers=headers)
                report.acknowledged += 200 <= response.status_code < 300
                report.failed += not 200 <= response.status_code < 300
            except httpx.HTTPError:
                report.failed += 1
            if on_sent:
                on_sent()
    report.seconds = round(time.monotonic() - started, 2)
    return report
