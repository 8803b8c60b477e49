"""Turn a landed object's bytes into numbered lines, or reject the whole file.

A record is one line: the export never puts a newline inside a field, so an unterminated
quote spoils one line and not the rest of the file.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa


class FileRejected(Exception):
    """The whole file cannot be read; nothing of it may load."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def decompress(key: str, data: bytes, limits: InflationLimits | None = None) -> bytes:
    """The file's text bytes: gunzipped for ``.gz`` objects, as a stream within ``limits``.

    Raises:
        FileRejected: ``truncated_gzip``, ``unreadable_gzip`` or ``decompression_limit`` (the
            file would inflate beyond the limits; it is refused before it fills memory).
    """
    if not key.endswith(".gz") or not data:
        return data
    limits = limits or InflationLimits()
    inflated = bytearray()
    pending = memoryview(data)
    try:
        while True:  # one gzip member per pass; members may be concatenated
            stream = zlib.decompressobj(wbits=31)
            while pending and not stream.eof:
                inflated += stream.decompress(pending, _CHUNK)
                pending = memoryview(stream.unconsumed_tail)
                limits.check(len(data), len(inflated))
            if not stream.eof:
                raise FileRejected("truncated_gzip", "gzip stream ends early")
            pending = memoryview(stream.unused_data)
            if bytes(pending[:2]) != GZIP_MAGIC:
                break
    except zlib.error as error:
        raise FileRejected("unreadable_gzip", f"not a gzip stream ({error})") from error
    if len(pending):
        raise FileRejected("unreadable_gzip", f"{len(pending)} bytes of trailing garbage")
    return bytes(inflated)


_CHUNK = 8 << 20
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class InflationLimits:
    """How far a compressed file may inflate (the contract's format sets them)."""

    max_bytes: int = 2 << 30
    max_ratio: float = 100.0
    ratio_after_bytes: int = 16 << 20

    @classmethod
    def of(cls, fmt: Any) -> InflationLimits:
        """The limits a contract's file format sets."""
        return cls(fmt.max_inflated_bytes, fmt.max_inflation_ratio, fmt.ratio_checked_after_bytes)

    def check(self, compressed: int, inflated: int) -> None:
        if inflated > self.max_bytes:
            raise FileRejected(
                "decompression_limit",
                f"inflates to more than {self.max_bytes:,} bytes (max_inflated_bytes)",
            )
        if inflated > self.ratio_after_bytes and inflated > self.max_ratio * compressed:
            raise FileRejected(
                "decompression_limit",
                f"inflates more than {self.max_ratio:g} times its {compressed:,} bytes "
                "(max_inflation_ratio)",
            )


def split_lines(data: bytes, file_index: int = 0) -> pa.Table:
    """Numbered lines of a file: ``file_index``, ``line_number``, ``line_with_newline`` (text)
    and ``invalid_utf8``.

    A final newline ends the last line rather than starting an empty one; ``\\r\\n`` endings
    are accepted. Lines that are not valid UTF-8 keep their bytes with backslash escapes and
    are flagged, so the validator can quarantine them verbatim.
    """
    if not data:
        return _table(np.zeros(0, dtype=np.int64), pa.array([], pa.large_string()), [], file_index)
    body = data[:-1] if data.endswith(b"\n") else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return _split_slowly(body, file_index)
    breaks = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 0x0A)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    # Arrow needs contiguous offsets, so each value keeps its trailing newline (the SQL strips
    # it): no copy of the file is made.
    offsets = np.concatenate((starts, [len(body)])).astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(
        len(starts), pa.py_buffer(offsets.tobytes()), pa.py_buffer(body)
    )
    return _table(np.arange(1, len(starts) + 1, dtype=np.int64), lines, [], file_index)


def pick_lines(data: bytes, numbers: list[int], file_index: int = 0) -> pa.Table:
    """Only the lines ``numbers`` (1-based, as :func:`split_lines` numbers them) of a file,
    shaped as :func:`split_lines` gives them: found by their newlines, only they decoded."""
    body = data[:-1] if data.endswith(b"\n") else data
    breaks = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 0x0A)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    ends = np.concatenate((breaks, [len(body)])).astype(np.int64)
    texts, invalid = [], []
    for number in numbers:
        raw = body[starts[number - 1] : ends[number - 1]]
        try:
            texts.append(raw.decode("utf-8") + "\n")
        except UnicodeDecodeError:
            texts.append(raw.decode("utf-8", errors="backslashreplace") + "\n")
            invalid.append(number)
    table = _table(
        np.asarray(numbers, dtype=np.int64), pa.array(texts, pa.large_string()), [], file_index
    )
    flags = np.isin(np.asarray(numbers, dtype=np.int64), np.asarray(invalid, dtype=np.int64))
    return table.set_column(3, "invalid_utf8", pa.array(flags))


def _split_slowly(body: bytes, file_index: int) -> pa.Table:
    texts, invalid = [], []
    for number, raw in enumerate(body.split(b"\n"), start=1):
        try:
            texts.append(raw.decode("utf-8") + "\n")
        except UnicodeDecodeError:
            texts.append(raw.decode("utf-8", errors="backslashreplace") + "\n")
            invalid.append(number)
    numbers = np.arange(1, len(texts) + 1, dtype=np.int64)
    return _table(numbers, pa.array(texts, pa.large_string()), invalid, file_index)


def _table(numbers: np.ndarray, lines: pa.Array, invalid: list[int], file_index: int) -> pa.Table:
    flags = np.zeros(len(numbers), dtype=bool)
    if invalid:
        flags[np.asarray(invalid) - 1] = True
    indexes = np.full(len(numbers), file_index, dtype=np.int32)
    return pa.table(
        {
            "file_index": indexes,
            "line_number": numbers,
            "line_with_newline": lines,
            "invalid_utf8": flags,
        }
    )
