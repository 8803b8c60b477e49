"""A real `shopsight tracking serve` process on loopback, and signed AfterShip events."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from shopsight.storage import Bucket
from shopsight.tracking.signature import sign

SECRET, NEXT_SECRET = "whsec-current", "whsec-next"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    bucket: str,
    spool: Path,
    port: int,
    flush_seconds: int = 1,
    workers: int = 1,
    failpoint: str | None = None,
    settings: dict[str, str] | None = None,
) -> subprocess.Popen:
    environment = {
        **os.environ,
        "SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET": f"{SECRET},{NEXT_SECRET}",
        "SHOPSIGHT_WEBHOOK_MAX_BODY_BYTES": "65536",
        **(settings or {}),
    }
    if failpoint:
        environment["SHOPSIGHT_FAILPOINT"] = failpoint
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopsight",
            "tracking",
            "serve",
            "--bucket",
            bucket,
            "--port",
            str(port),
            "--flush-seconds",
            str(flush_seconds),
            "--spool-dir",
            str(spool),
            "--workers",
            str(workers),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"receiver did not start: {process.stderr.read().decode()[-2000:]}")


@contextmanager
def running(
    bucket: str,
    spool: Path,
    flush_seconds: int = 1,
    workers: int = 1,
    settings: dict[str, str] | None = None,
) -> Iterator[str]:
    port = free_port()
    process = start(bucket, spool, port, flush_seconds, workers, settings=settings)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def tracking_event(number: int, tag: str = "InTransit") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event": "tracking_update",
        "is_tracking_first_tag": True,
        "ts": 1717000000 + number,
        "msg": {
            "id": f"trk{number:08d}",
            "tracking_number": f"1Z{number:010d}",
            "slug": "ups",
            "tag": tag,
            "updated_at": "2024-06-01T10:00:00+00:00",
            "custom_fields": {"order_id": str(number), "order_item_id": str(number)},
            "checkpoints": [],
        },
    }


def post(url: str, event: Any, secret: str = SECRET, **headers: str) -> httpx.Response:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return httpx.post(
        f"{url}/webhooks/aftership",
        content=body,
        headers={"content-type": "application/json", "aftership-hmac-sha256": sign(body, secret)}
        | headers,
        timeout=10,
    )


def landed(bucket: Bucket, prefix: str = "raw/aftership/webhooks/") -> list[dict[str, Any]]:
    records = []
    for info in bucket.list(prefix):
        for line in gzip.decompress(bucket.read_bytes(info.key)).decode().splitlines():
            records.append(json.loads(line))
    return records


def wait_for(condition, seconds: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)
