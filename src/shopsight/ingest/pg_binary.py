"""PostgreSQL's binary COPY format, encoded from Arrow record batches.

The server reads a binary row without parsing text: an integer is four bytes, a timestamp
eight. Every field is a big-endian 32-bit length (-1 for NULL) and its bytes; every row
starts with its field count (16 bits). Each column becomes an Arrow array of its fields
(numpy lays out the fixed-width ones, Arrow prefixes each text with its length), and
Arrow joins the fields of every row; no Python code runs per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_NULL = pa.scalar(b"\xff\xff\xff\xff", pa.large_binary())  # a NULL field: length -1
_JOINED = pa.scalar(b"", pa.large_binary())  # fields follow each other without separator

# PostgreSQL counts dates and timestamps from 2000-01-01; Arrow from 1970-01-01.
_PG_EPOCH_DAYS = 10_957
_PG_EPOCH_MICROS = _PG_EPOCH_DAYS * 86_400 * 1_000_000

# A column's PostgreSQL type (pg_type.typname) and the big-endian numpy type of its
# fixed-width value; text types are sent as their UTF-8 bytes.
_FIXED: dict[str, str] = {
    "int2": ">i2",
    "int4": ">i4",
    "int8": ">i8",
    "float4": ">f4",
    "float8": ">f8",
    "bool": "u1",
    "date": ">i4",
    "timestamp": ">i8",
}
_TEXT = {"text", "varchar", "bpchar"}


def encodable(pg_types: Sequence[str]) -> bool:
    """Whether every column's type has an encoder here (else the caller copies text)."""
    return all(name in _FIXED or name in _TEXT for name in pg_types)


def encode_batch(batch: pa.RecordBatch, pg_types: Sequence[str]) -> memoryview:
    """The batch's rows in PostgreSQL's binary COPY format, without header or trailer.

    ``pg_types`` names each column's type in the target table, in the batch's order; a
    value that does not fit its column's type (an int64 beyond int4) raises ArrowInvalid
    before anything is returned.
    """
    n = batch.num_rows
    if n == 0:
        return memoryview(b"")
    # Each run of fixed-width columns without NULLs (the row's field count first) is laid
    # out by numpy as one block per row, so Arrow joins a few arrays, not one per field.
    count = np.full(n, len(pg_types), dtype=">i2")
    parts: list[pa.Array] = []
    run: list[tuple[pa.Array, str]] = []
    for column, pg_type in zip(batch.columns, pg_types, strict=True):
        if pg_type in _FIXED and not column.null_count:
            run.append((column, pg_type))
            continue
        if run or not parts:
            parts.append(_fixed_run(run, None if parts else count))
        parts.append(_fields(column, pg_type))
        run = []
    if run or not parts:
        parts.append(_fixed_run(run, None if parts else count))
    rows = pc.binary_join_element_wise(*parts, _JOINED) if len(parts) > 1 else parts[0]
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + n + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    return memoryview(rows.buffers()[2].slice(start, end - start))


def _fixed_run(run: list[tuple[pa.Array, str]], count: np.ndarray | None) -> pa.Array:
    """Fixed-width columns (the row's field count first, if given) as one binary value per
    row: each field's length and value, big-endian, one after the other. NULLs are laid
    out as zero (the caller replaces those fields)."""
    layout: list[tuple[str, str]] = [("count", ">i2")] if count is not None else []
    for position, (_, pg_type) in enumerate(run):
        layout += [(f"length{position}", ">i4"), (f"value{position}", _FIXED[pg_type])]
    block = np.empty(len(count) if count is not None else len(run[0][0]), dtype=layout)
    if count is not None:
        block["count"] = count
    for position, (column, pg_type) in enumerate(run):
        block[f"length{position}"] = np.dtype(_FIXED[pg_type]).itemsize
        block[f"value{position}"] = _values(column, pg_type)
    return _fixed_width(block)


def _fields(column: pa.Array, pg_type: str) -> pa.Array:
    """The column's fields, each its length and its bytes, as one binary array."""
    if pg_type in _TEXT:
        text = pc.cast(column, pa.large_binary())
        lengths = pc.binary_length(text).fill_null(0).to_numpy(zero_copy_only=False)
        fields = pc.binary_join_element_wise(_fixed_width(lengths.astype(">i4")), text, _JOINED)
    else:
        fields = _fixed_run([(column, pg_type)], None)
    if column.null_count:
        fields = pc.if_else(column.is_valid(), fields, _NULL)
    return fields


def _values(column: pa.Array, pg_type: str) -> np.ndarray:
    """The column's values as numbers PostgreSQL reads, NULLs as zero (never sent)."""
    if pg_type == "date":
        return _numbers(pc.cast(column, pa.date32()).cast(pa.int32())) - _PG_EPOCH_DAYS
    if pg_type == "timestamp":
        micros = pc.cast(column, pa.timestamp("us")).cast(pa.int64())
        return _numbers(micros) - _PG_EPOCH_MICROS
    if pg_type == "bool":
        return _numbers(pc.cast(column, pa.bool_()).cast(pa.uint8()))
    # A safe cast: a value beyond the column's range raises rather than wraps.
    target = pa.from_numpy_dtype(np.dtype(_FIXED[pg_type]).newbyteorder("="))
    return _numbers(pc.cast(column, target))


def _numbers(column: pa.Array) -> np.ndarray:
    return column.fill_null(0).to_numpy(zero_copy_only=False)


def _fixed_width(values: np.ndarray) -> pa.Array:
    """Each element's bytes as one binary value (zero-copy from the numpy layout)."""
    raw = np.ascontiguousarray(values).view(np.uint8)
    width = values.dtype.itemsize
    fixed = pa.Array.from_buffers(pa.binary(width), len(values), [None, pa.py_buffer(raw)])
    return fixed.cast(pa.large_binary())
