"""The AfterShip REST API poller: the alternative to webhooks (pull instead of push).

One run lists ``GET /tracking/<version>/trackings`` updated since the stored watermark minus
an overlap window, page by page with the cursor (limit 200), lands each page as
``raw/aftership/api/dt=YYYY-MM-DD/<newest-update>-<content hash>.jsonl.gz`` and, only once
every page has landed, advances the watermark to the newest ``updated_at`` seen. A crash
mid-run leaves the watermark where it was, so the next run reads the same window again:
nothing is skipped, and a page fetched twice lands under the same name (its content hash).
Requests are spaced under the endpoint's documented rate (6/s for GET /trackings); a 429
waits until ``X-RateLimit-Reset``; 5xx answers and timeouts are retried with exponential
backoff.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shopsight.failpoints import failpoint
from shopsight.storage import Bucket

WATERMARK_KEY = "state/aftership/api_watermark.json"
RETENTION = timedelta(days=120)  # AfterShip keeps trackings this long


class PollError(RuntimeError):
    """The API refused the poll (bad key, bad request) or kept failing after retries."""


@dataclass
class PollReport:
    window_start: str
    pages: int = 0
    trackings: int = 0
    rate_limited: int = 0
    retried: int = 0
    objects: list[str] = field(default_factory=list)
    watermark: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Poller:
    """Polls one AfterShip account into ``bucket``."""

    bucket: Bucket
    base_url: str
    api_key: str
    version: str = "2025-07"
    overlap: timedelta = timedelta(minutes=10)
    requests_per_second: float = 5.0  # under GET /trackings' documented 6/s
    max_retries: int = 6
    first_backoff: float = 0.5
    timeout: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    _last_request: float = 0.0

    def poll(self, on_page: Callable[[int], None] | None = None) -> PollReport:
        """One incremental run; see the module docstring."""
        start = self._window_start()
        report = PollReport(window_start=start.isoformat())
        newest = None
        cursor = None
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            while True:
                params: dict[str, Any] = {"updated_at_min": start.isoformat(), "limit": 200}
                if cursor:
                    params["cursor"] = cursor
                data = self._get(client, params, report)
                trackings = data.get("trackings") or []
                if trackings:
                    report.objects.append(self._land(trackings))
                    failpoint("poller.after_page")
                    page_newest = max(t["updated_at"] for t in trackings)
                    newest = max(newest or page_newest, page_newest)
                report.pages += 1
                report.trackings += len(trackings)
                if on_page:
                    on_page(report.pages)
                pagination = data.get("pagination") or {}
                cursor = pagination.get("next_cursor")
                if not pagination.get("has_next_page") or not cursor:
                    break
        if newest:
            self.bucket.write_bytes(WATERMARK_KEY, json.dumps({"updated_at": newest}).encode())
        report.watermark = newest or self._stored_watermark()
        return report

    def _window_start(self) -> datetime:
        stored = self._stored_watermark()
        oldest = datetime.now(UTC) - RETENTION
        if stored is None:
            return oldest.replace(microsecond=0)
        return max(datetime.fromisoformat(stored) - self.overlap, oldest).replace(microsecond=0)

    def _stored_watermark(self) -> str | None:
        if not self.bucket.exists(WATERMARK_KEY):
            return None
        return json.loads(self.bucket.read_bytes(WATERMARK_KEY))["updated_at"]

    def _get(self, client: httpx.Client, params: dict[str, Any], report: PollReport) -> Any:
        path = f"/tracking/{self.version}/trackings"
        failures = 0
        while True:
            self._pace()
            try:
                response = client.get(path, params=params, headers={"as-api-key": self.api_key})
            except httpx.TransportError as error:  # timeouts, refused connections
                failures = self._backoff(failures, report, f"{type(error).__name__}")
                continue
            if response.status_code == 429:
                report.rate_limited += 1
                reset = response.headers.get("X-RateLimit-Reset")
                wait = float(reset) - time.time() if reset and reset.isdigit() else 1.0
                self.sleep(min(max(wait, 0.0) + 0.05, 60.0))
                continue
            if response.status_code >= 500:
                failures = self._backoff(failures, report, f"HTTP {response.status_code}")
                continue
            if response.status_code != 200:
                meta = _meta(response)
                raise PollError(
                    f"GET {path} answered HTTP {response.status_code} "
                    f"({meta.get('type', '?')}: {meta.get('message', '')})"
                )
            return response.json()["data"]

    def _backoff(self, failures: int, report: PollReport, what: str) -> int:
        if failures >= self.max_retries:
            raise PollError(f"the AfterShip API kept failing ({what}) after {failures} retries")
        report.retried += 1
        self.sleep(self.first_backoff * 2**failures)
        return failures + 1

    def _pace(self) -> None:
        gap = 1.0 / self.requests_per_second - (time.monotonic() - self._last_request)
        if gap > 0:
            self.sleep(gap)
        self._last_request = time.monotonic()

    def _land(self, trackings: list[dict[str, Any]]) -> str:
        body = "".join(json.dumps(t, sort_keys=True) + "\n" for t in trackings).encode()
        newest = max(datetime.fromisoformat(t["updated_at"]) for t in trackings).astimezone(UTC)
        key = (
            f"raw/aftership/api/dt={newest:%Y-%m-%d}/"
            f"{newest:%Y%m%dT%H%M%S}Z-{hashlib.sha256(body).hexdigest()[:16]}.jsonl.gz"
        )
        if not self.bucket.exists(key):
            self.bucket.write_bytes(key, gzip.compress(body, mtime=0))
        return key


def _meta(response: httpx.Response) -> dict[str, Any]:
    try:
        return response.json().get("meta", {})
    except ValueError:
        return {}
