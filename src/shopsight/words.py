"""Counts in words, for every message a person reads."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`plural(1, "file")` is "1 file", `plural(1200, "file")` is "1,200 files"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
