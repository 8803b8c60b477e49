"""The REST API poller against a local fake AfterShip API: pagination, the watermark, 429s,
5xx, slow answers and a crash mid-run."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys

import pytest

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
