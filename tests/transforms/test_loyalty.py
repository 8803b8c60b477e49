"""The loyalty score, as a worked example of testing a transform."""

from __future__ import annotations

import copy
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopsight.transforms.loyalty import (
    AMOUNT_TYPE,
    compute_loyalty_scores,
    compute_loyalty_scores_arrow,
)


def tx(user_id, amount, repeat=False) -> dict:
    return {"user_id": user_id, "transaction_amount": amount, "is_repeat_purchase": repeat}


def test_worked_example_by_hand() -> None:
    feed = [tx("u1", 100, False), tx("u2", "20.50", False), tx("u1", 50, True), tx("u1", 25, True)]
    # u1: 100 + 50 + 25 = 175, plus 2 repeats × 10 = 195; u2: 20.50, no repeats.
    assert compute_loyalty_scores(feed) == [
        {"user_id": "u1", "loyalty_score": Decimal("195")},
        {"user_id": "u2", "loyalty_score": Decimal("20.50")},
    ]


def test_each_repeat_purchase_adds_ten() -> None:
    feed = [tx(7, 0, True), tx(7, 0, True), tx(7, 0, False)]
    assert compute_loyalty_scores(feed) == [{"user_id": 7, "loyalty_score": Decimal(20)}]


def test_money_is_exact() -> None:
    [score] = compute_loyalty_scores([tx(1, 0.1), tx(1, 0.2)])
    assert score["loyalty_score"] == Decimal("0.3")
    [many] = compute_loyalty_scores([tx(1, "0.01")] * 10_000)
    assert many["loyalty_score"] == Decimal("100.00")


def test_negative_amounts_count_like_refunds() -> None:
    [score] = compute_loyalty_scores([tx(1, "50.00"), tx(1, "-20.00", True)])
    assert score["loyalty_score"] == Decimal("40.00")


def test_users_come_out_in_order_of_first_appearance() -> None:
    feed = [tx(3, 1), tx(1, 1), tx(2, 1), tx(1, 1), tx(3, 1)]
    assert [s["user_id"] for s in compute_loyalty_scores(feed)] == [3, 1, 2]


def test_input_is_not_mutated_and_output_is_new() -> None:
    feed = [tx(1, 10, True), tx(2, 5)]
    before = copy.deepcopy(feed)
    result = compute_loyalty_scores(feed)
    assert feed == before
    assert all(row is not record for row in result for record in feed)


def test_empty_feed_gives_empty_list() -> None:
    assert compute_loyalty_scores([]) == []
    assert compute_loyalty_scores(iter(())) == []


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"transaction_amount": 1, "is_repeat_purchase": False},
            "transaction 1: field 'user_id' is missing",
        ),
        (
            {"user_id": 1, "is_repeat_purchase": False},
            "transaction 1: field 'transaction_amount' is missing",
        ),
        (
            {"user_id": 1, "transaction_amount": 1},
            "transaction 1: field 'is_repeat_purchase' is missing",
        ),
        (
            tx(1, "ten"),
            "transaction 1: field 'transaction_amount' must be a finite number, got 'ten'",
        ),
        (tx(1, float("nan")), "field 'transaction_amount' must be a finite number, got nan"),
        (tx(1, float("inf")), "field 'transaction_amount' must be a finite number, got inf"),
        (tx(1, "Infinity"), "field 'transaction_amount' must be a finite number"),
        (tx(1, True), "field 'transaction_amount' must be a finite number, got bool"),
        (tx(1, None), "field 'transaction_amount' must be a finite number, got NoneType"),
        (tx(1, 5, "yes"), "transaction 1: field 'is_repeat_purchase' must be true or false"),
        (tx(1, 5, 1), "field 'is_repeat_purchase' must be true or false, got 1"),
        (tx([1], 5), "transaction 1: field 'user_id' must be a hashable id"),
    ],
)
def test_invalid_record_names_its_index_and_field(record: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        compute_loyalty_scores([tx(0, 1), record])


amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
records = st.lists(
    st.fixed_dictionaries(
        {
            "user_id": st.integers(min_value=1, max_value=8),
            "transaction_amount": amounts,
            "is_repeat_purchase": st.booleans(),
        }
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(feed=records)
def test_vectorized_twin_gives_identical_scores(feed: list[dict]) -> None:
    table = pa.table(
        {
            "user_id": pa.array([r["user_id"] for r in feed], pa.int64()),
            "transaction_amount": pa.array([r["transaction_amount"] for r in feed], AMOUNT_TYPE),
            "is_repeat_purchase": pa.array([r["is_repeat_purchase"] for r in feed], pa.bool_()),
        }
    )
    assert compute_loyalty_scores_arrow(table).to_pylist() == compute_loyalty_scores(feed)


def test_twin_names_the_first_bad_row() -> None:
    table = pa.table(
        {
            "user_id": [1, 2],
            "transaction_amount": ["1.00", "abc"],
            "is_repeat_purchase": [True, False],
        }
    )
    with pytest.raises(ValueError, match="transaction 1: field 'transaction_amount'"):
        compute_loyalty_scores_arrow(table)


def test_docstring_example_holds() -> None:
    import doctest

    from shopsight.transforms import loyalty

    assert doctest.testmod(loyalty).failed == 0
