"""Benchmark: the AfterShip webhook receiver on loopback.

    .venv/bin/python benchmarks/bench_webhooks.py [--seconds 10] [--concurrency 32]

Prints, for `shopsight tracking serve` (uvicorn, one worker and two, each event fsynced
before its 2xx) and for a no-op FastAPI app on one uvicorn worker in the same run:
sustained requests/s and p50/p99 latency under --concurrency concurrent senders, and the
ratio between them;
then the end-to-end lag from POST to the event's object in the bucket at --flush-seconds 60
(one event a second for --lag-seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tracking"))

from shopsight.storage import Bucket  # noqa: E402
from shopsight.tracking.signature import sign  # noqa: E402

from receiver_process import SECRET, free_port, start, tracking_event  # noqa: E402

NO_OP_APP = """
import sys, uvicorn
from fastapi import FastAPI, Request
app = FastAPI()
@app.post("/webhooks/aftership")
async def webhook(request: Request):
    await request.body()
    return {"accepted": True}
@app.get("/healthz")
def healthz():
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


async def load(url: str, seconds: float, concurrency: int) -> tuple[float, list[float], int]:
    """Requests/s, latencies (s) and non-2xx count for ``seconds`` of concurrent senders."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    bodies = [json.dumps(tracking_event(i)).encode() for i in range(2000)]

    async def sender(worker: int) -> None:
        nonlocal failures
        async with httpx.AsyncClient(timeout=30) as client:
            n = worker
            while time.perf_counter() < deadline:
                body = bodies[n % len(bodies)]
                n += concurrency
                headers = {
                    "content-type": "application/json",
                    "aftership-hmac-sha256": sign(body, SECRET),
                }
                started = time.perf_counter()
                response = await client.post(
                    f"{url}/webhooks/aftership", content=body, headers=headers
                )
                latencies.append(time.perf_counter() - started)
                failures += not 200 <= response.status_code < 300

    started = time.perf_counter()
    await asyncio.gather(*(sender(w) for w in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies, failures


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] * 1000


def measure(name: str, url: str, seconds: float, concurrency: int) -> float:
    rate, latencies, failures = asyncio.run(load(url, seconds, concurrency))
    print(
        f"{name}: {rate:,.0f} requests/s, p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, {failures} non-2xx"
    )
    return rate


def end_to_end_lag(work: Path, seconds: int) -> None:
    bucket = Bucket(f"file://{work}/lag-bucket")
    port = free_port()
    process = start(bucket.url, work / "lag-spool", port, flush_seconds=60)
    posted: dict[str, float] = {}
    landed: dict[str, float] = {}
    try:
        with httpx.Client(timeout=10) as client:
            for i in range(seconds):
                event = tracking_event(i)
                body = json.dumps(event).encode()
                headers = {
                    "content-type": "application/json",
                    "aftership-hmac-sha256": sign(body, SECRET),
                }
                client.post(
                    f"http://127.0.0.1:{port}/webhooks/aftership", content=body, headers=headers
                )
                posted[event["event_id"]] = time.time()
                _collect(bucket, landed)
                time.sleep(1)
            deadline = time.time() + 90
            while len(landed) < len(posted) and time.time() < deadline:
                _collect(bucket, landed)
                time.sleep(0.5)
    finally:
        process.terminate()
        process.wait()
    lags = [landed[e] - posted[e] for e in posted if e in landed]
    print(
        f"end-to-end lag at --flush-seconds 60 ({len(posted)} events, one a second): "
        f"median {statistics.median(lags):.1f} s, max {max(lags):.1f} s, "
        f"{len(posted) - len(lags)} not landed"
    )


def _collect(bucket: Bucket, landed: dict[str, float]) -> None:
    now = time.time()
    for info in bucket.list("raw/aftership/webhooks/"):
        for line in gzip.decompress(bucket.read_bytes(info.key)).splitlines():
            landed.setdefault(json.loads(line)["body"]["event_id"], now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--lag-seconds", type=int, default=70)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-webhooks-"))

    rates = {}
    for workers in (1, 2):
        port = free_port()
        receiver = start(
            f"file://{work}/bucket-{workers}", work / f"spool-{workers}", port, 60, workers
        )
        try:
            rates[workers] = measure(
                f"receiver (fsync before 2xx, {workers} worker{'s' if workers > 1 else ''})",
                f"http://127.0.0.1:{port}",
                args.seconds,
                args.concurrency,
            )
        finally:
            receiver.terminate()
            receiver.wait()
    durable = rates[1]

    port = free_port()
    no_op = subprocess.Popen([sys.executable, "-c", NO_OP_APP, str(port)], env=os.environ)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        baseline = measure(
            "no-op FastAPI app (1 worker)",
            f"http://127.0.0.1:{port}",
            args.seconds,
            args.concurrency,
        )
    finally:
        no_op.terminate()
        no_op.wait()
    print(f"ratio receiver / no-op (1 worker each): {durable / baseline:.2f}")
    end_to_end_lag(work, args.lag_seconds)


if __name__ == "__main__":
    main()
