"""The AfterShip webhook receiver: a FastAPI app that acknowledges an event only once it is
durable in the spool, and a flusher that moves the spool to the bucket every N seconds.

POST /webhooks/aftership answers 413 for a body over the limit, 408 for a body slower than
the read timeout, 415 for a content type other than JSON, 401 when the
``aftership-hmac-sha256`` signature does not match a configured secret (nothing stored), 200
for a tracking event (spooled) and 202 for a signed body that is not a tracking event (kept
in the dead-letter spool with the reason: AfterShip would only retry it). GET /healthz and
GET /metrics (Prometheus text) report on it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from shopsight.tracking.durable import GroupCommit
from shopsight.tracking.signature import HEADER, is_signed
from shopsight.tracking.spool import Spool

log = logging.getLogger("shopsight.tracking")


def event_problem(body: Any) -> str | None:
    """Why a parsed body is not an AfterShip tracking event (None if it is one)."""
    if not isinstance(body, dict):
        return "not a JSON object"
    if not isinstance(body.get("event_id"), str) or not body["event_id"]:
        return "event_id missing"
    if not isinstance(body.get("event"), str):
        return "event missing"
    message = body.get("msg")
    if not isinstance(message, dict):
        return "msg (the tracking) missing"
    if not isinstance(message.get("updated_at"), str):
        return "msg.updated_at missing"
    if not isinstance(message.get("tracking_number"), str):
        return "msg.tracking_number missing"
    return None


def event_line(received_at: str, body: bytes, parsed: Any) -> bytes:
    """The spool line of an accepted event: its body as received (signed bytes, not
    re-encoded), on one line. A line break in valid JSON can only be whitespace between
    tokens (strict JSON has none inside strings), so it becomes a space; a body that is not
    UTF-8 (JSON in UTF-16, say) is re-encoded instead."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        body = json.dumps(parsed, separators=(",", ":")).encode()
    one_line = body.replace(b"\r", b" ").replace(b"\n", b" ")
    return b'{"body":' + one_line + b',"received_at":"' + received_at.encode() + b'"}'


class Flusher(threading.Thread):
    """Flushes the spool every ``seconds`` (and once more on stop)."""

    def __init__(self, spool: Spool, seconds: float) -> None:
        super().__init__(daemon=True, name="spool-flusher")
        self.spool, self.seconds = spool, seconds
        self.stopping = threading.Event()
        self.failures = 0

    def run(self) -> None:
        while not self.stopping.wait(self.seconds):
            self.flush_once()

    def flush_once(self) -> None:
        try:
            result = self.spool.flush()
            if result.events:
                log.info("flushed %d events in %d objects", result.events, len(result.objects))
        except Exception as error:  # noqa: BLE001 - keep spooling; retry at the next tick
            self.failures += 1
            log.error("flush failed (the spool keeps the events): %s", type(error).__name__)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.seconds + 30)
        self.flush_once()


WEBHOOK_PATH = "/webhooks/aftership"


def create_app(
    spool: Spool,
    secrets: list[str],
    max_body_bytes: int,
    lifespan: Any = None,
    read_timeout: float = 10.0,
) -> Any:
    """The receiver (an ASGI app) over ``spool``, accepting signatures by any of
    ``secrets``; a body not received within ``read_timeout`` seconds gets 408.

    POST /webhooks/aftership is served as plain ASGI, ahead of FastAPI: the framework's
    request and response objects, middleware and routing cost more than everything else a
    webhook does (benchmarks/bench_webhooks.py, docs/decisions/0007). FastAPI serves the
    rest (health, metrics, the lifespan).
    """
    app = FastAPI(
        title="ShopSight AfterShip webhook receiver",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    counts: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    durable = GroupCommit(spool)
    signature_header = HEADER.lower().encode()

    def reject(status: int, reason: str) -> tuple[int, bytes]:
        rejected[reason] += 1
        return status, json.dumps({"error": reason}).encode()

    async def webhook(scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
        counts["received"] += 1
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > max_body_bytes:
            return reject(413, "body_too_large")
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media_type != b"application/json":
            return reject(415, "unsupported_media_type")
        body = b""
        try:
            async with asyncio.timeout(read_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return 400, b""  # nobody is left to answer
                    body += message.get("body", b"")
                    if len(body) > max_body_bytes:
                        return reject(413, "body_too_large")
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            return reject(408, "body_read_timeout")
        signature = headers.get(signature_header)
        if not is_signed(body, signature.decode("latin-1") if signature else None, secrets):
            return reject(401, "bad_signature")
        received_at = datetime.now(UTC).isoformat()
        try:
            parsed = json.loads(body)
            problem = event_problem(parsed)
        except ValueError:
            parsed, problem = None, "not valid JSON"
        except RecursionError:  # nested deeper than the parser's stack
            parsed, problem = None, "JSON nested too deeply"
        if problem:
            record = {
                "received_at": received_at,
                "reason": problem,
                "raw": body.decode("utf-8", "replace"),
            }
            await durable.append("dead_letter", record)
            rejected["dead_letter"] += 1
            return 202, json.dumps({"accepted": False, "reason": problem}).encode()
        # Durable before the 2xx; the fsync runs off the event loop, shared by every request
        # that arrived meanwhile (group commit).
        await durable.append_line("event", event_line(received_at, body, parsed))
        return 200, b'{"accepted":true,"event_id":' + json.dumps(parsed["event_id"]).encode() + b"}"

    async def receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH:
            await app(scope, receive, send)
            return
        if scope["method"] != "POST":
            status, payload = 405, b'{"error":"method_not_allowed"}'
        else:
            status, payload = await webhook(scope, receive)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "spooled": spool.spooled, "flushed": spool.flushed}

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        age = time.time() - spool.oldest_unflushed if spool.oldest_unflushed else 0.0
        lines = [
            "# HELP shopsight_webhooks_received_total Webhook requests received.",
            "# TYPE shopsight_webhooks_received_total counter",
            f"shopsight_webhooks_received_total {counts['received']}",
            "# HELP shopsight_webhooks_rejected_total Requests not stored as events, by reason.",
            "# TYPE shopsight_webhooks_rejected_total counter",
            *(
                f'shopsight_webhooks_rejected_total{{reason="{reason}"}} {n}'
                for reason, n in sorted(rejected.items())
            ),
            "# HELP shopsight_webhooks_spooled_total Records made durable in the spool.",
            "# TYPE shopsight_webhooks_spooled_total counter",
            f"shopsight_webhooks_spooled_total {spool.spooled}",
            "# HELP shopsight_webhooks_flushed_total Records uploaded to the bucket.",
            "# TYPE shopsight_webhooks_flushed_total counter",
            f"shopsight_webhooks_flushed_total {spool.flushed}",
            "# HELP shopsight_webhooks_oldest_unflushed_seconds Age of the oldest spooled record.",
            "# TYPE shopsight_webhooks_oldest_unflushed_seconds gauge",
            f"shopsight_webhooks_oldest_unflushed_seconds {age:.3f}",
        ]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return receiver
