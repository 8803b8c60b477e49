"""The AfterShip REST API poller: the alternative to webhooks (pull instead of push).

One run lists ``GET /tracking/<version>/trackings`` updated since the stored watermark minus
an overlap window, page by page with the cursor (limit 200), lands each page as
``raw/aftership/api/dt=YYYY-MM-DD/<newest-update>-<content hash>.jsonl.gz`` and, only once
every page has landed, advances the watermark to the newest ``updated_at`` seen. A crash
mid-run leaves the watermark where it was, so the next run reads the same window again:
nothing is skipped, and a page fetched twice lands under the same name (its content hash).
Requests are spaced under the endpoint's documented rate (6/s for GET /trackings); a 429
waits as ``Retry-After`` or ``X-RateLimit-Reset`` says (a bounded number of times, never
longer than ``max_wait``); 5xx answers and timeouts are retried with exponential backoff.
Every loop is bounded: a repeated cursor, a malformed page or too many pages end the poll
with one line. Only an ``updated_at`` with a time zone and not in the future (beyond a small
clock skew) can move the watermark, so one bad record cannot hide every later update.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
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
    unusable_updated_at: int = 0  # landed, but without a usable time: never the watermark
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
    max_wait: float = 300.0  # a 429 asking to wait longer ends the poll with an error
    max_pages: int = 100_000
    clock_skew: timedelta = timedelta(minutes=5)  # how far in the future updated_at may be
    first_backoff: float = 0.5
    timeout: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    _last_request: float = 0.0

    def poll(self, on_page: Callable[[int], None] | None = None) -> PollReport:
        """One incremental run; see the module docstring.

        Raises:
            PollError: the API refused the poll, kept failing, answered something that is not
                a page of trackings, repeated a cursor, or asked to wait too long.
        """
        start = self._window_start()
        report = PollReport(window_start=start.isoformat())
        newest: datetime | None = None
        cursor = None
        seen_cursors: set[str] = set()
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            for _ in range(self.max_pages):
                params: dict[str, Any] = {"updated_at_min": start.isoformat(), "limit": 200}
                if cursor:
                    params["cursor"] = cursor
                trackings, cursor = _page(self._get(client, params, report))
                if trackings:
                    report.objects.append(self._land(trackings))
                    failpoint("poller.after_page")
                    page_newest = self._newest(trackings, report)
                    if page_newest and (newest is None or page_newest > newest):
                        newest = page_newest
                report.pages += 1
                report.trackings += len(trackings)
                if on_page:
                    on_page(report.pages)
                if cursor is None:
                    break
                if cursor in seen_cursors:
                    raise PollError(f"the API returned cursor {cursor[:40]!r} twice: stopped")
                seen_cursors.add(cursor)
            else:
                raise PollError(f"more than {self.max_pages} pages in one poll: stopped")
        if newest:
            stamp = newest.isoformat()
            self.bucket.write_bytes(WATERMARK_KEY, json.dumps({"updated_at": stamp}).encode())
        report.watermark = newest.isoformat() if newest else self._stored_watermark()
        return report

    def _newest(self, trackings: list[dict[str, Any]], report: PollReport) -> datetime | None:
        """The newest usable ``updated_at`` of a page: with a time zone and not in the
        future (beyond the allowed clock skew). Others land, but never move the watermark."""
        limit = datetime.now(UTC) + self.clock_skew
        usable = []
        for tracking in trackings:
            moment = _moment(tracking.get("updated_at"))
            if moment is None or moment > limit:
                report.unusable_updated_at += 1
            else:
                usable.append(moment)
        return max(usable, default=None)

    def _window_start(self) -> datetime:
        stored = self._stored_watermark()
        oldest = datetime.now(UTC) - RETENTION
        if stored is None:
            return oldest.replace(microsecond=0)
        return max(datetime.fromisoformat(stored) - self.overlap, oldest).replace(microsecond=0)

    def _stored_watermark(self) -> str | None:
        if not self.bucket.exists(WATERMARK_KEY):
            return None
        try:
            stored = json.loads(self.bucket.read_bytes(WATERMARK_KEY))["updated_at"]
        except (ValueError, KeyError, TypeError) as error:
            raise PollError(f"{WATERMARK_KEY} is not a watermark ({error})") from None
        if _moment(stored) is None:
            raise PollError(
                f"{WATERMARK_KEY} holds {str(stored)[:40]!r}, not a time with a time zone: "
                "delete it to re-read the retention window"
            )
        return str(stored)

    def _get(self, client: httpx.Client, params: dict[str, Any], report: PollReport) -> Any:
        path = f"/tracking/{self.version}/trackings"
        failures = waits = 0
        while True:
            self._pace()
            try:
                response = client.get(path, params=params, headers={"as-api-key": self.api_key})
            except httpx.TransportError as error:  # timeouts, refused connections
                failures = self._backoff(failures, report, f"{type(error).__name__}")
                continue
            if response.status_code == 429:
                report.rate_limited += 1
                waits += 1
                if waits > self.max_retries:
                    raise PollError(f"still rate limited after {self.max_retries} waits: stopped")
                self.sleep(self._rate_limit_wait(response))
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
            try:
                return response.json()["data"]
            except (ValueError, KeyError, TypeError):
                raise PollError(
                    f"GET {path} answered 200 without a JSON envelope holding 'data': "
                    f"{response.text[:80]!r}"
                ) from None

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds to wait after a 429: ``Retry-After`` (seconds or a date), else
        ``X-RateLimit-Reset`` (epoch seconds), else one second; refused beyond ``max_wait``."""
        retry_after = response.headers.get("Retry-After", "")
        reset = response.headers.get("X-RateLimit-Reset", "")
        wait = 1.0
        if retry_after.strip().isdigit():
            wait = float(retry_after)
        elif retry_after:
            try:
                wait = parsedate_to_datetime(retry_after).timestamp() - time.time()
            except (TypeError, ValueError):
                wait = 1.0
        elif reset.strip().isdigit():
            wait = float(reset) - time.time()
        if wait > self.max_wait:
            raise PollError(
                f"rate limited for {wait:.0f} s (more than {self.max_wait:.0f} s): try later"
            )
        return max(wait, 0.0) + 0.05

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
        moments = [_moment(t.get("updated_at")) for t in trackings]
        newest = max((m for m in moments if m), default=datetime.now(UTC)).astimezone(UTC)
        key = (
            f"raw/aftership/api/dt={newest:%Y-%m-%d}/"
            f"{newest:%Y%m%dT%H%M%S}Z-{hashlib.sha256(body).hexdigest()[:16]}.jsonl.gz"
        )
        if not self.bucket.exists(key):
            self.bucket.write_bytes(key, gzip.compress(body, mtime=0))
        return key


def _page(data: Any) -> tuple[list[dict[str, Any]], str | None]:
    """A page's trackings and its next cursor (None on the last page).

    Raises:
        PollError: ``data`` is not a page of tracking objects.
    """
    if not isinstance(data, dict):
        raise PollError(f"expected a page object in 'data', found {type(data).__name__}")
    trackings = data.get("trackings") or []
    if not isinstance(trackings, list) or not all(isinstance(t, dict) for t in trackings):
        raise PollError("expected 'data.trackings' to be a list of tracking objects")
    pagination = data.get("pagination") or {}
    cursor = pagination.get("next_cursor") if isinstance(pagination, dict) else None
    more = isinstance(pagination, dict) and pagination.get("has_next_page")
    return trackings, (str(cursor) if more and cursor else None)


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time with a time zone, or None (missing, malformed or naive)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _meta(response: httpx.Response) -> dict[str, Any]:
    try:
        return response.json().get("meta", {})
    except ValueError:
        return {}
