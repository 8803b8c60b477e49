"""Benchmark: the AfterShip webhook receiver on loopback, driven by wrk.

    .venv/bin/python benchmarks/bench_webhooks.py [--seconds 15] [--connections 8 32]

Needs wrk (Debian: apt-get install wrk). In one run, with the same load generator and the
same settings (one wrk thread, --connections keep-alive connections, signed POSTs of 200
different real events): `shopsight tracking serve` (one uvicorn worker, every event
fsynced before its 2xx) and a no-op FastAPI app (one uvicorn worker, reads the body, answers
200). Prints requests/s, p50 and p99 latency, non-2xx answers, the CPU wrk itself used (a
load generator near 100 % of its core would be the bottleneck), the ratio receiver / no-op,
and a durability check (every 2xx event is in the bucket after the receiver stops). Then
the end-to-end lag from POST to the bucket at --flush-seconds 60 (--lag-seconds 0 skips it).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import shutil
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


def wrk_script(path: Path, events: int = 200) -> None:
    """A wrk script cycling through ``events`` signed tracking events."""
    requests = []
    for number in range(events):
        body = json.dumps(tracking_event(number))
        signature = sign(body.encode(), SECRET)
        requests.append(
            "wrk.format('POST', '/webhooks/aftership', "
            "{['Content-Type'] = 'application/json', "
            f"['aftership-hmac-sha256'] = '{signature}'}}, [==[{body}]==])"
        )
    path.write_text(
        "local requests = {}\n"
        "init = function(args)\n"
        + "".join(f"  requests[{i + 1}] = {r}\n" for i, r in enumerate(requests))
        + "end\nlocal n = 0\n"
        "request = function()\n  n = n % #requests + 1\n  return requests[n]\nend\n"
    )


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    """One wrk run: requests/s, p50/p99 in ms, non-2xx, and wrk's CPU share of one core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def latency(label: str) -> float:
        value, unit = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "requests": requests,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "wrk_cpu_share": cpu / wall,
        "socket_errors": errors.group(1) if errors else "none",
    }


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name}: {figures['requests_per_second']:,.0f} requests/s, "
        f"p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
        f"{figures['non_2xx']} non-2xx, socket errors {figures['socket_errors']}, "
        f"wrk used {figures['wrk_cpu_share']:.0%} of a core"
    )


def landed_events(bucket: Bucket) -> int:
    return sum(
        len(gzip.decompress(bucket.read_bytes(info.key)).splitlines())
        for info in bucket.list("raw/aftership/webhooks/")
    )


def wait_healthy(port: int) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


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


def compare(work: Path, script: Path, seconds: int, connections: int) -> None:
    """The receiver, then the no-op app, under the same wrk load; prints both and the ratio."""
    bucket = Bucket(f"file://{work}/bucket-{connections}")
    port = free_port()
    receiver = start(bucket.url, work / f"spool-{connections}", port, 60, 1)
    try:
        durable = run_wrk(f"http://127.0.0.1:{port}", script, seconds, connections)
    finally:
        receiver.terminate()
        receiver.wait()
    report("  receiver (fsync before 2xx, group commit, 1 worker)", durable)
    stored = landed_events(bucket)
    acknowledged = durable["requests"] - durable["non_2xx"]
    print(f"  durability: {stored:,} events in the bucket after stop, {acknowledged:,} 2xx answers")

    port = free_port()
    no_op = subprocess.Popen([sys.executable, "-c", NO_OP_APP, str(port)])
    try:
        wait_healthy(port)
        baseline = run_wrk(f"http://127.0.0.1:{port}", script, seconds, connections)
    finally:
        no_op.terminate()
        no_op.wait()
    report("  no-op FastAPI app (1 worker)", baseline)
    ratio = durable["requests_per_second"] / baseline["requests_per_second"]
    print(f"  ratio receiver / no-op: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--lag-seconds", type=int, default=70)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="shopsight-webhooks-"))
    script = work / "post.lua"
    wrk_script(script)
    print(f"wrk -t1 -d{args.seconds}s, {os.cpu_count()} CPUs shared by wrk and the server")
    for connections in args.connections:
        print(f"\n{connections} connections:")
        compare(work, script, args.seconds, connections)
    if args.lag_seconds:
        end_to_end_lag(work, args.lag_seconds)


if __name__ == "__main__":
    main()
