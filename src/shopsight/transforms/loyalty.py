"""Loyalty scores: what a customer has spent, plus a bonus for every repeat purchase.

``loyalty_score = sum(transaction_amount) + 10 × count(is_repeat_purchase is true)``,
per user, in exact decimal arithmetic. :func:`compute_loyalty_scores` is the reference
(plain Python, any iterable of mappings); :func:`compute_loyalty_scores_arrow` is its
vectorized twin for large feeds (DuckDB over an Arrow table). A property test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from shopsight.ingest.warehouse import apply_resources

REPEAT_BONUS = Decimal(10)
FIELDS = ("user_id", "transaction_amount", "is_repeat_purchase")
# The twin's exact money type: 38 digits, 10 of them after the point.
AMOUNT_TYPE = pa.decimal128(38, 10)


def compute_loyalty_scores(transactions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Score every user of a transactions feed.

    Args:
        transactions: mappings with ``user_id`` (any hashable id), ``transaction_amount``
            (an int, a finite float, a ``Decimal`` or a numeric string; floats are taken at
            their shortest decimal form, so 0.1 means one tenth) and ``is_repeat_purchase``
            (a ``bool``). Nothing in the input is changed.

    Returns:
        A new list with one ``{"user_id": ..., "loyalty_score": Decimal}`` per user, in the
        order users first appear; an empty list for an empty feed.

    Raises:
        ValueError: a record lacks a field, its amount is not a finite number, or its repeat
            flag is not a bool; the message names the record's index and the field.

    Example:
        >>> compute_loyalty_scores([
        ...     {"user_id": 1, "transaction_amount": 0.1, "is_repeat_purchase": False},
        ...     {"user_id": 1, "transaction_amount": 0.2, "is_repeat_purchase": True},
        ... ])
        [{'user_id': 1, 'loyalty_score': Decimal('10.3')}]
    """
    scores: dict[Any, Decimal] = {}
    for index, record in enumerate(transactions):
        user_id = _user_id(record, index)
        amount = _amount(record, index)
        bonus = REPEAT_BONUS if _repeat_flag(record, index) else Decimal(0)
        scores[user_id] = scores.get(user_id, Decimal(0)) + amount + bonus
    return [{"user_id": user, "loyalty_score": score} for user, score in scores.items()]


def _field(record: Mapping[str, Any], index: int, name: str) -> Any:
    if not isinstance(record, Mapping):
        raise ValueError(f"transaction {index}: expected a mapping, got {type(record).__name__}")
    if name not in record:
        raise ValueError(f"transaction {index}: field {name!r} is missing")
    return record[name]


def _user_id(record: Mapping[str, Any], index: int) -> Any:
    user_id = _field(record, index, "user_id")
    try:
        hash(user_id)
    except TypeError:
        raise ValueError(
            f"transaction {index}: field 'user_id' must be a hashable id, "
            f"got {type(user_id).__name__}"
        ) from None
    return user_id


def _amount(record: Mapping[str, Any], index: int) -> Decimal:
    value = _field(record, index, "transaction_amount")
    problem = f"transaction {index}: field 'transaction_amount' must be a finite number, got "
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(problem + type(value).__name__)
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(problem + repr(value)) from None
    if not amount.is_finite():
        raise ValueError(problem + repr(value))
    return amount


def _repeat_flag(record: Mapping[str, Any], index: int) -> bool:
    flag = _field(record, index, "is_repeat_purchase")
    if not isinstance(flag, bool):
        raise ValueError(
            f"transaction {index}: field 'is_repeat_purchase' must be true or false, got {flag!r}"
        )
    return flag


def compute_loyalty_scores_arrow(transactions: pa.Table) -> pa.Table:
    """The vectorized twin: the same scores for a feed held as an Arrow table.

    Args:
        transactions: columns ``user_id``, ``transaction_amount`` (a decimal or a numeric
            string column; cast to decimal(38, 10)) and ``is_repeat_purchase`` (bool).

    Returns:
        A table ``user_id``, ``loyalty_score`` (decimal), users in order of first appearance.

    Raises:
        ValueError: a column is missing, or a row has a null or non-numeric amount or a
            null repeat flag; the message names the first such row's index and the field.
    """
    missing = [name for name in FIELDS if name not in transactions.column_names]
    if missing:
        raise ValueError(f"transactions: column {missing[0]!r} is missing")
    con = duckdb.connect()
    apply_resources(con)
    # An explicit row index: a parallel scan does not promise input order.
    indexed = transactions.append_column(
        "row_index", pa.array(np.arange(transactions.num_rows, dtype=np.int64))
    )
    con.register("feed", indexed)
    con.execute("""
        create temp table checked as
        select
            row_index,
            user_id,
            try_cast(transaction_amount as decimal(38, 10)) as amount,
            is_repeat_purchase
        from feed""")
    bad = con.execute("""
        select row_index, amount is null, is_repeat_purchase is null from checked
        where amount is null or is_repeat_purchase is null or user_id is null
        order by row_index limit 1""").fetchall()
    if bad:
        index, bad_amount, bad_flag = bad[0]
        field = (
            "transaction_amount"
            if bad_amount
            else ("is_repeat_purchase" if bad_flag else "user_id")
        )
        raise ValueError(f"transaction {index}: field {field!r} is missing or invalid")
    result = con.sql("""
        select
            user_id,
            sum(amount) + 10 * count(*) filter (where is_repeat_purchase) as loyalty_score
        from checked
        group by user_id
        order by min(row_index)""").to_arrow_table()
    con.close()
    return result
