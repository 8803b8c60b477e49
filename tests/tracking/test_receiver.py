"""The webhook receiver, as a real process on loopback: what it accepts, what it refuses,
and that an acknowledged event survives SIGKILL."""

from __future__ import annotations

import json
import signal
import threading

import httpx
import pytest

from shopsight.storage import Bucket
from shopsight.tracking.signature import is_signed, sign

from receiver_process import (
    NEXT_SECRET,
    free_port,
    landed,
    post,
    running,
    start,
    tracking_event,
    wait_for,
)


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    # Reference value from `printf '{"event_id":"abc"}' | openssl dgst -sha256 -hmac s3cret
    # -binary | base64`.
    expected = "5gLrQO/fhq5gKoLHUJ0ZmEibe4h7+Vr7UCTtUqckG9w="
    assert sign(b'{"event_id":"abc"}', "s3cret") == expected
    assert is_signed(b'{"event_id":"abc"}', expected, ["old", "s3cret"])
    assert not is_signed(b'{"event_id": "abc"}', expected, ["s3cret"])  # re-serialized body
    assert not is_signed(b"{}", None, ["s3cret"])


def test_receiver_accepts_signed_events_and_refuses_the_rest(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with running(bucket.url, tmp_path / "spool") as url:
        good = tracking_event(1)
        rotated = tracking_event(2)
        assert post(url, good).status_code == 200
        assert post(url, rotated, secret=NEXT_SECRET).status_code == 200
        third = tracking_event(3)
        upper = json.dumps(third).encode()
        response = httpx.post(
            f"{url}/webhooks/aftership",
            content=upper,
            headers={
                "Content-Type": "application/json",
                "Aftership-Hmac-Sha256": sign(upper, "whsec-current"),
            },
        )
        assert response.status_code == 200  # header names are case-insensitive

        assert post(url, tracking_event(4), secret="wrong").status_code == 401
        unsigned = httpx.post(
            f"{url}/webhooks/aftership", json=tracking_event(5), headers={}, timeout=10
        )
        assert unsigned.status_code == 401
        assert post(url, b'{"pad": "' + b"x" * 70000 + b'"}').status_code == 413
        assert post(url, tracking_event(6), **{"content-type": "text/plain"}).status_code == 415
        assert post(url, {"hello": "world"}).status_code == 202  # signed, not an event
        assert post(url, b"{not json").status_code == 202

        wait_for(
            lambda: (
                len(landed(bucket)) == 3 and len(landed(bucket, "raw/aftership/dead_letter/")) == 2
            )
        )
        metrics = httpx.get(f"{url}/metrics").text
    ids = sorted(r["body"]["event_id"] for r in landed(bucket))
    assert ids == sorted(e["event_id"] for e in (good, rotated, third))
    reasons = {r["reason"] for r in landed(bucket, "raw/aftership/dead_letter/")}
    assert reasons == {"event_id missing", "not valid JSON"}
    for line in (
        'shopsight_webhooks_rejected_total{reason="bad_signature"} 2',
        'shopsight_webhooks_rejected_total{reason="body_too_large"} 1',
        'shopsight_webhooks_rejected_total{reason="unsupported_media_type"} 1',
        'shopsight_webhooks_rejected_total{reason="dead_letter"} 2',
        "shopsight_webhooks_spooled_total 5",
    ):
        assert line in metrics, line
    keys = [info.key for info in bucket.list("raw/aftership/webhooks/")]
    assert all(k.startswith("raw/aftership/webhooks/dt=") and "/hour=" in k for k in keys)
    assert all(k.endswith(".jsonl.gz") for k in keys)


def test_every_acknowledged_event_survives_sigkill(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    spool = tmp_path / "spool"
    port = free_port()
    process = start(bucket.url, spool, port, flush_seconds=1)
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    stop = threading.Event()

    def send(worker: int) -> None:
        number = worker * 100_000
        while not stop.is_set():
            number += 1
            event = tracking_event(number)
            try:
                if post(url, event).status_code == 200:
                    acknowledged.append(event["event_id"])
            except httpx.HTTPError:
                return

    senders = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for sender in senders:
        sender.start()
    wait_for(lambda: len(acknowledged) >= 300)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    for sender in senders:
        sender.join()
    last = tracking_event(1)
    with running(bucket.url, spool) as restarted:  # uploads what the killed one left
        assert post(restarted, last).status_code == 200
        wait_for(lambda: last["event_id"] in {r["body"]["event_id"] for r in landed(bucket)})
    assert not list(spool.rglob("segment-*")), "a spool segment was left behind"
    stored = [r["body"]["event_id"] for r in landed(bucket)]
    assert set(acknowledged) <= set(stored), "an acknowledged event was lost"
    assert len(stored) == len(set(stored)), "an event landed twice"


@pytest.mark.parametrize("point", ["spool.before_upload", "spool.after_upload"])
def test_a_receiver_killed_mid_flush_delivers_every_event_once(tmp_path, point) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    spool = tmp_path / "spool"
    port = free_port()
    # No timed flush: the flush on shutdown is the one that reaches the point.
    process = start(bucket.url, spool, port, flush_seconds=600, failpoint=point)
    events = [tracking_event(n) for n in range(50)]
    url = f"http://127.0.0.1:{port}"
    responses = [post(url, event) for event in events]
    assert all(r.status_code == 200 for r in responses)
    process.terminate()
    assert process.wait(timeout=60) == -signal.SIGKILL
    with running(bucket.url, spool):  # uploads what the killed one left
        pass
    stored = [r["body"]["event_id"] for r in landed(bucket)]
    assert sorted(stored) == sorted(e["event_id"] for e in events)
    assert not list(spool.rglob("segment-*")), "a spool segment was left behind"


def test_several_workers_deliver_every_event_once(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    events = [tracking_event(n) for n in range(200)]
    with running(bucket.url, tmp_path / "spool", flush_seconds=1, workers=2) as url:
        responses = []
        threads = [
            threading.Thread(target=lambda part=part: responses.extend(post(url, e) for e in part))
            for part in (events[::2], events[1::2])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.status_code == 200 for r in responses) and len(responses) == 200
    # Stopping flushes each worker's spool.
    stored = [r["body"]["event_id"] for r in landed(bucket)]
    assert sorted(stored) == sorted(e["event_id"] for e in events)
    assert len(list((tmp_path / "spool").glob("worker-*"))) <= 2
