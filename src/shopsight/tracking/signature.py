"""AfterShip's webhook signature: base64 HMAC-SHA256 of the raw body with the webhook secret
(../shared/reference/aftership.md §2), compared in constant time against every configured
secret, so two secrets are accepted at once while one is rotated."""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "aftership-hmac-sha256"


def sign(body: bytes, secret: str) -> str:
    """The header value AfterShip sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def is_signed(body: bytes, header_value: str | None, secrets: list[str]) -> bool:
    """Whether ``header_value`` is the signature of ``body`` under one of ``secrets``."""
    if not header_value or not secrets:
        return False
    given = header_value.strip().encode("ascii", errors="replace")
    matches = [hmac.compare_digest(sign(body, s).encode("ascii"), given) for s in secrets]
    return any(matches)
