"""The spool under concurrent appends and flushes: every appended event reaches the bucket."""

from __future__ import annotations

import gzip
import json
import threading
import uuid

from shopsight.storage import Bucket
from shopsight.tracking.spool import Spool


def test_events_appended_during_flushes_all_reach_the_bucket(tmp_path) -> None:
    bucket = Bucket(f"memory://spool-{uuid.uuid4().hex[:10]}")
    # Tiny segments: appends open new segments all the time, racing the flusher's listing.
    spool = Spool(tmp_path / "spool", bucket, max_segment_bytes=200)
    appended: list[int] = []
    done = threading.Event()

    def append(worker: int) -> None:
        for number in range(worker * 10_000, worker * 10_000 + 1500):
            spool.append("event", {"received_at": "2024-06-01T10:00:00+00:00", "n": number})
            appended.append(number)

    def flush() -> None:
        while not done.is_set():
            spool.flush()

    writers = [threading.Thread(target=append, args=(w,)) for w in range(3)]
    flusher = threading.Thread(target=flush)
    flusher.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    flusher.join()
    spool.flush()
    landed = [
        json.loads(line)["n"]
        for info in bucket.list("raw/aftership/webhooks/")
        for line in gzip.decompress(bucket.read_bytes(info.key)).splitlines()
    ]
    assert sorted(landed) == sorted(appended)
