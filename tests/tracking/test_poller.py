"""The REST API poller against a local fake AfterShip API: pagination, the watermark, 429s,
5xx, slow answers and a crash mid-run."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from fastapi.responses import JSONResponse, Response

from shopsight.storage import Bucket
from shopsight.tracking.poller import WATERMARK_KEY, Poller, PollError

from fake_aftership import API_KEY, FakeAfterShip, make_trackings, serving


def landed(bucket: Bucket) -> list[dict]:
    rows = []
    for info in bucket.list("raw/aftership/api/"):
        rows += [
            json.loads(line) for line in gzip.decompress(bucket.read_bytes(info.key)).splitlines()
        ]
    return rows


def test_poll_pages_through_429_5xx_and_slow_answers(tmp_path) -> None:
    fake = FakeAfterShip(make_trackings(1000), rate_limit_every=3, fail_every=5, slow_every=4)
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with serving(fake) as url:
        report = Poller(bucket, url, API_KEY, first_backoff=0.05, timeout=1.0).poll()
    assert report.trackings == 1000 and report.pages == 5
    assert report.rate_limited >= 1 and report.retried >= 1
    rows = landed(bucket)
    assert sorted(r["id"] for r in rows) == sorted(t["id"] for t in fake.trackings)
    assert all(r["limit"] == "200" for r in fake.requests)
    watermark = json.loads(bucket.read_bytes(WATERMARK_KEY))["updated_at"]
    assert watermark == max(t["updated_at"] for t in fake.trackings)


def test_next_poll_reads_only_the_overlap_and_lands_no_duplicate(tmp_path) -> None:
    fake = FakeAfterShip(make_trackings(300))
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with serving(fake) as url:
        Poller(bucket, url, API_KEY).poll()
        objects = [i.key for i in bucket.list("raw/aftership/api/")]
        again = Poller(bucket, url, API_KEY).poll()
    # The last 10 minutes (the overlap) come back: 11 trackings one minute apart.
    assert again.trackings == 11
    assert len(landed(bucket)) == 300 + 11
    assert len({(r["id"], r["updated_at"]) for r in landed(bucket)}) == 300
    assert len(objects) == 2


def test_a_bad_key_fails_with_a_clear_error(tmp_path) -> None:
    with (
        serving(FakeAfterShip(make_trackings(5))) as url,
        pytest.raises(PollError, match="HTTP 401 .*Unauthorized"),
    ):
        Poller(Bucket(f"file://{tmp_path}/b"), url, "wrong-key").poll()


def test_a_poll_killed_mid_run_is_resumed_without_a_gap(tmp_path) -> None:
    fake = FakeAfterShip(make_trackings(2000), slow_every=2)
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with serving(fake) as url:
        command = [
            sys.executable,
            "-m",
            "shopsight",
            "tracking",
            "poll",
            "--bucket",
            bucket.url,
            "--base-url",
            url,
            "--json",
        ]
        environment = {**os.environ, "SHOPSIGHT_AFTERSHIP_API_KEY": API_KEY}
        # Killed right after its second page landed, before the watermark moved.
        killed = subprocess.run(
            command,
            env={**environment, "SHOPSIGHT_FAILPOINT": "poller.after_page:2"},
            capture_output=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL
        assert len(bucket.list("raw/aftership/api/")) == 2
        assert not bucket.exists(WATERMARK_KEY)  # the run did not finish: no watermark
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = landed(bucket)
    assert {r["id"] for r in rows} == {t["id"] for t in fake.trackings}  # no gap
    assert len(rows) == len({(r["id"], r["updated_at"]) for r in rows})  # no duplicate


def _page(trackings: list[dict], cursor: str | None = None) -> JSONResponse:
    pagination = {"next_cursor": cursor, "has_next_page": cursor is not None}
    return JSONResponse(
        {"meta": {"code": 200}, "data": {"pagination": pagination, "trackings": trackings}}
    )


def test_an_update_from_the_future_or_without_a_zone_never_moves_the_watermark(tmp_path) -> None:
    good = make_trackings(3)
    future = dict(good[0], id="trk-future", updated_at="2099-01-01T00:00:00+00:00")
    naive = dict(good[1], id="trk-naive", updated_at="2024-06-01T10:00:00")
    missing = {key: value for key, value in good[2].items() if key != "updated_at"}
    fake = FakeAfterShip(good)
    fake.respond = lambda n: _page([*good, future, naive, missing]) if n == 1 else None
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with serving(fake) as url:
        report = Poller(bucket, url, API_KEY).poll()
        assert report.unusable_updated_at == 3 and report.trackings == 6
        assert len(landed(bucket)) == 6  # every record landed; ingest judges them
        watermark = json.loads(bucket.read_bytes(WATERMARK_KEY))["updated_at"]
        assert watermark == max(t["updated_at"] for t in good)
        newer = make_trackings(1)[0]  # updated now, after the first poll's records
        fake.trackings.append(dict(newer, id="trk-later"))
        Poller(bucket, url, API_KEY).poll()  # the next poll still works and sees it
    assert "trk-later" in {row["id"] for row in landed(bucket)}


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (lambda: Response("not json", media_type="text/plain"), "without a JSON envelope"),
        (lambda: JSONResponse({"meta": {"code": 200}}), "without a JSON envelope"),
        (lambda: JSONResponse({"data": {"trackings": "x"}}), "list of tracking objects"),
        (lambda: JSONResponse({"data": []}), "expected a page object"),
        (lambda: _page(make_trackings(2), cursor="same"), "cursor 'same' twice"),
        (lambda: JSONResponse({}, status_code=429), "still rate limited"),
        (
            lambda: JSONResponse({}, status_code=429, headers={"Retry-After": "86400"}),
            "rate limited for 86400 s",
        ),
        (
            lambda: JSONResponse(
                {}, status_code=429, headers={"X-RateLimit-Reset": str(int(time.time() + 900_000))}
            ),
            "rate limited for",
        ),
    ],
)
def test_a_hostile_api_ends_the_poll_with_one_line(tmp_path, answer, error) -> None:
    fake = FakeAfterShip(make_trackings(2))
    fake.respond = lambda n: answer()
    waits: list[float] = []
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with serving(fake) as url, pytest.raises(PollError, match=error):
        Poller(bucket, url, API_KEY, sleep=waits.append).poll()
    assert len(fake.requests) <= 8 and sum(waits) < 60  # bounded, never a loop
    assert not bucket.exists(WATERMARK_KEY)


def test_retry_after_is_obeyed(tmp_path) -> None:
    fake = FakeAfterShip(make_trackings(2))
    fake.respond = lambda n: (
        JSONResponse({}, status_code=429, headers={"Retry-After": "7"}) if n == 1 else None
    )
    waits: list[float] = []
    with serving(fake) as url:
        report = Poller(Bucket(f"file://{tmp_path}/b"), url, API_KEY, sleep=waits.append).poll()
    assert report.trackings == 2 and report.rate_limited == 1
    assert any(6.9 < wait < 7.2 for wait in waits)
