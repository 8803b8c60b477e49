"""PostgreSQL's binary COPY format, encoded from Arrow record batches with numpy.

The server reads a binary row without parsing text: an integer is four bytes, a timestamp
eight. Every field is a big-endian 32-bit length (-1 for NULL) and its bytes; every row
starts with its field count (16 bits). The rows are laid out in one buffer at once: each
column's field sizes give every field's offset, and each column is scattered there in one
numpy assignment, so no Python code runs per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"

# PostgreSQL counts dates and timestamps from 2000-01-01; Arrow from 1970-01-01.
_PG_EPOCH_DAYS = 10_957
_PG_EPOCH_MICROS = _PG_EPOCH_DAYS * 86_400 * 1_000_000

# A column's PostgreSQL type (pg_type.typname), the Arrow type it is cast to, and the
# big-endian numpy type of its fixed-width field; text types have no fixed width.
_FIXED: dict[str, tuple[pa.DataType, str]] = {
    "int2": (pa.int16(), ">i2"),
    "int4": (pa.int32(), ">i4"),
    "int8": (pa.int64(), ">i8"),
    "float4": (pa.float32(), ">f4"),
    "float8": (pa.float64(), ">f8"),
    "bool": (pa.uint8(), "u1"),
    "date": (pa.int32(), ">i4"),
    "timestamp": (pa.int64(), ">i8"),
}
_TEXT = {"text", "varchar", "bpchar"}


def encodable(pg_types: Sequence[str]) -> bool:
    """Whether every column's type has an encoder here (else the caller copies text)."""
    return all(name in _FIXED or name in _TEXT for name in pg_types)


def encode_batch(batch: pa.RecordBatch, pg_types: Sequence[str]) -> bytes:
    """The batch's rows in PostgreSQL's binary COPY format, without header or trailer.

    ``pg_types`` names each column's type in the target table, in the batch's order; a
    value that does not fit its column's type (an int64 beyond int4) raises, as the
    server would.
    """
    n = batch.num_rows
    if n == 0:
        return b""
    fields = [_field(column, name) for column, name in zip(batch.columns, pg_types, strict=True)]
    sizes = np.full(n, 2, dtype=np.int64)  # the field count
    for field in fields:
        sizes += 4 + field.lengths
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    out = np.empty(int(starts[-1] + sizes[-1]), dtype=np.uint8)
    _scatter_fixed(out, starts, np.full(n, len(fields), dtype=">i2"))
    at = starts + 2
    for field in fields:
        _scatter_fixed(out, at, np.where(field.valid, field.lengths, -1).astype(">i4"))
        field.write(out, at + 4)
        at += 4 + field.lengths
    return out.tobytes()


class _Field:
    """One column's per-row payload lengths (0 where NULL) and its writer."""

    def __init__(
        self,
        lengths: np.ndarray,
        valid: np.ndarray,
        write: Callable[[np.ndarray, np.ndarray], None],
    ) -> None:
        self.lengths = lengths
        self.valid = valid
        self.write = write


def _field(column: pa.Array, pg_type: str) -> _Field:
    valid = _validity(column)
    if pg_type in _TEXT:
        return _text_field(column, valid)
    arrow_type, numpy_type = _FIXED[pg_type]
    values = _fixed_values(column, pg_type, arrow_type)
    width = np.dtype(numpy_type).itemsize
    lengths = np.where(valid, width, 0).astype(np.int64)

    def write(out: np.ndarray, at: np.ndarray) -> None:
        _scatter_fixed(out, at[valid], values[valid].astype(numpy_type))

    return _Field(lengths, valid, write)


def _validity(column: pa.Array) -> np.ndarray:
    if column.null_count == 0:
        return np.ones(len(column), dtype=bool)
    return np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _fixed_values(column: pa.Array, pg_type: str, arrow_type: pa.DataType) -> np.ndarray:
    """The column as numpy values of the field's width, NULLs as zero (never written)."""
    if pg_type == "date":
        days = pc.cast(column, pa.date32()).cast(pa.int32())
        values = _numbers(days, np.int32) - _PG_EPOCH_DAYS
    elif pg_type == "timestamp":
        micros = pc.cast(column, pa.timestamp("us")).cast(pa.int64())
        values = _numbers(micros, np.int64) - _PG_EPOCH_MICROS
    elif pg_type == "bool":
        values = _numbers(pc.cast(column, pa.bool_()).cast(pa.uint8()), np.uint8)
    else:  # a safe cast: a value beyond the column's range raises
        values = _numbers(pc.cast(column, arrow_type), arrow_type.to_pandas_dtype())
    return values


def _numbers(column: pa.Array, dtype: type) -> np.ndarray:
    return np.asarray(column.fill_null(0).to_numpy(zero_copy_only=False), dtype=dtype)


def _text_field(column: pa.Array, valid: np.ndarray) -> _Field:
    text = pc.cast(column, pa.large_string())
    if text.null_count:
        text = text.fill_null("")
    text = pa.concat_arrays([text]) if isinstance(text, pa.ChunkedArray) else text
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    data = np.frombuffer(text.buffers()[2] or b"", dtype=np.uint8)
    lengths = np.diff(offsets)

    def write(out: np.ndarray, at: np.ndarray) -> None:
        total = int(lengths.sum())
        if not total:
            return
        # Each byte's destination: its field's start, plus its place within the value.
        shift = np.repeat(at - offsets[:-1], lengths)
        source = np.arange(offsets[0], offsets[0] + total, dtype=np.int64)
        out[source + shift] = data[source]

    return _Field(lengths, valid, write)


def _scatter_fixed(out: np.ndarray, at: np.ndarray, values: np.ndarray) -> None:
    """Write each value's bytes at its row's offset in ``out``."""
    width = values.dtype.itemsize
    raw = np.ascontiguousarray(values).view(np.uint8).reshape(-1, width)
    out[at[:, None] + np.arange(width)] = raw
