"""thelook's values as the export writes them, a column at a time (Arrow, no Python loops)."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

NO_TIME = -1  # an unset moment in the arrays (times are whole seconds or microseconds)
_NO_QUOTES = pacsv.WriteOptions(include_header=False, quoting_style="none")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def stamps(seconds: np.ndarray) -> pa.Array:
    """'2024-01-01 10:00:00 UTC' per whole-second epoch time; null where unset."""
    text = pc.cast(pa.array(np.maximum(seconds, 0).astype("datetime64[s]")), pa.string())
    return pc.if_else(
        pa.array(seconds != NO_TIME), pc.binary_join_element_wise(text, " UTC", ""), None
    )


def micro_stamps(micros: np.ndarray) -> pa.Array:
    """'2024-01-01 10:00:00.000001 UTC' per epoch time in microseconds (never unset)."""
    text = pc.cast(pa.array(micros.astype("datetime64[us]")), pa.string())
    return pc.binary_join_element_wise(text, " UTC", "")


def either_stamps(micros: np.ndarray, to_the_microsecond: np.ndarray) -> pa.Array:
    """Each moment to the microsecond where asked, else to the second."""
    return pc.if_else(
        pa.array(to_the_microsecond), micro_stamps(micros), stamps(micros // 1_000_000)
    )


def uuid4_texts(random_bytes: np.ndarray) -> pa.Array:
    """Version-4 UUIDs as text ('8-4-4-4-12' hex digits) from rows of 16 random bytes."""
    raw = random_bytes.astype(np.uint8).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.empty((len(raw), 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 0x0F]
    text = np.full((len(raw), 36), ord("-"), dtype=np.uint8)
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at : at + stop - start] = digits[:, start:stop]
    return pc.cast(pa.array(text.view("S36").ravel()), pa.string())


def joined(*parts: pa.Array | str) -> pa.Array:
    """The parts' text side by side, row by row (a str is the same on every row)."""
    return pc.binary_join_element_wise(*parts, "")


def frame_csv(header: list[str], frame: pa.Table) -> bytes:
    """The frame as a CSV file with its header; no field of thelook's needs quoting (Arrow
    refuses a field that would)."""
    buffer = io.BytesIO()
    buffer.write((",".join(header) + "\n").encode("utf-8"))
    if frame.num_rows:
        pacsv.write_csv(frame.select(header), buffer, _NO_QUOTES)
    return buffer.getvalue()


def table_rows(header: list[str], frame: pa.Table) -> list[list[object]]:
    """The frame's rows as Python values in the header's order (for the live-style rewrite
    of small exports)."""
    if not frame.num_rows:
        return []
    columns = [frame.column(name).to_pylist() for name in header]
    return [list(row) for row in zip(*columns, strict=True)]
