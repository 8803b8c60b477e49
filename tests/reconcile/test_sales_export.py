"""A hostile sales export: one line naming the file, line, column and what was expected."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shopsight.reconcile.sales import EXPORT_COLUMNS, SalesSourceError, read_sales_export

HEADER = ",".join(EXPORT_COLUMNS).encode() + b"\n"
GOOD = b"1,2024-03-01 10:00:00,COMPLETE,1,59.98\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            GOOD + "2,2024-03-01 10:00:00,CLÔSED,1,9.99\n".encode("latin-1"),
            ":3: column 25: expected UTF-8",
        ),
        (GOOD + b"2,2024-03-01 10:00:00,COMPLETE,1,1E+26\n", ":3: column order_total"),
        (GOOD + b"2,2024-03-01 10:00:00,COMPLETE,1,NaN\n", ":3: column order_total"),
        (
            GOOD + "\u0661\u0662,2024-03-01 10:00:00,COMPLETE,1,9.99\n".encode(),
            ":3: column order_id",
        ),
        (GOOD + b'2,2024-03-01 10:00:00,"' + b"x" * 200_000 + b'",1,9.99\n', ":3: not valid CSV"),
        (GOOD + b"2,2024-03-01 10:00:00,COMPLETE,+1,9.99\n", ":3: column item_count"),
    ],
)
def test_a_bad_sales_export_names_file_line_and_column(tmp_path: Path, body, expected) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(HEADER + body)
    with pytest.raises(SalesSourceError, match=expected) as caught:
        list(read_sales_export(path, ZoneInfo("UTC")))
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_a_good_export_reads(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(HEADER + GOOD)
    [order] = list(read_sales_export(path, ZoneInfo("UTC")))
    assert (order.order_id, str(order.total)) == (1, "59.98")
