"""A local fake of AfterShip's GET /tracking/<version>/trackings (the documented contract:
as-api-key, updated_at_min filter, cursor pagination with limit ≤ 200, the meta/data
envelope, 429 with X-RateLimit-Reset, 5xx and slow answers on demand), served by uvicorn
on loopback in a thread."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from receiver_process import free_port

API_KEY = "as-test-key"


@dataclass
class FakeAfterShip:
    trackings: list[dict[str, Any]]
    rate_limit_every: int = 0  # every Nth request gets a 429
    fail_every: int = 0  # every Nth request gets a 503
    slow_every: int = 0  # every Nth request takes 1.5 s
    requests: list[dict[str, str]] = field(default_factory=list)
    # Hostile answers: called with the request number; a response replaces the normal one.
    respond: Callable[[int], Response | None] | None = None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/tracking/{version}/trackings")
        def trackings(version: str, request: Request) -> Response:
            self.requests.append(dict(request.query_params))
            n = len(self.requests)
            if request.headers.get("as-api-key") != API_KEY:
                return _error(401, 401, "Unauthorized", "Invalid API key.")
            if self.respond and (scripted := self.respond(n)) is not None:
                return scripted
            if self.rate_limit_every and n % self.rate_limit_every == 0:
                reset = str(int(time.time()) + 1)
                return _error(
                    429, 429, "TooManyRequests", "rate limit", {"X-RateLimit-Reset": reset}
                )
            if self.fail_every and n % self.fail_every == 0:
                return _error(503, 503, "ServiceUnavailable", "try again")
            if self.slow_every and n % self.slow_every == 0:
                time.sleep(1.5)
            limit = int(request.query_params.get("limit", 100))
            if limit > 200:
                return _error(400, 4008, "BadRequest", "limit must be at most 200")
            since = datetime.fromisoformat(request.query_params["updated_at_min"])
            matching = [
                t for t in self.trackings if datetime.fromisoformat(t["updated_at"]) >= since
            ]
            cursor = request.query_params.get("cursor")
            offset = int(base64.b64decode(cursor)) if cursor else 0
            page = matching[offset : offset + limit]
            more = offset + limit < len(matching)
            pagination = {
                "total": len(matching),
                "next_cursor": base64.b64encode(str(offset + limit).encode()).decode()
                if more
                else None,
                "has_next_page": more,
            }
            return JSONResponse(
                {"meta": {"code": 200}, "data": {"pagination": pagination, "trackings": page}},
                headers={"as-api-version": version},
            )

        return app


def _error(status: int, code: int, kind: str, message: str, headers: dict | None = None):  # noqa: ANN202
    return JSONResponse(
        {"meta": {"code": code, "type": kind, "message": message}, "data": {}},
        status_code=status,
        headers=headers,
    )


def make_trackings(count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        {
            "id": f"trk{i:08d}",
            "tracking_number": f"1Z{i:010d}",
            "slug": "ups",
            "tag": "InTransit",
            "updated_at": (now - timedelta(minutes=count - i)).isoformat(),
            "custom_fields": {"order_id": str(i), "order_item_id": str(i)},
            "checkpoints": [],
        }
        for i in range(count)
    ]


@contextmanager
def serving(fake: FakeAfterShip) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
