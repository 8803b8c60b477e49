"""Credentials out of every text a person or a log can see.

Used for outputs, errors, alerts and ledger messages: a PostgreSQL URL keeps its user and
host but not its password; ``password=...``, ``token: ...`` and their kin lose their value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CREDENTIALS = re.compile(
    r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization)[\"']?\s*[:=]\s*)[^\s,;\"']+"
    r"|(://[^:/@\s]*:)[^@\s]+(@)"
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without ``secrets`` or anything shaped like a credential."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _CREDENTIALS.sub(lambda m: (m.group(1) or m.group(2)) + "***" + (m.group(3) or ""), text)
