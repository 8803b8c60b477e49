"""One verdict per day: a warning is amber on the day it is first seen, then a note."""

from __future__ import annotations

from datetime import date

from shopsight.ingest.ledger import OPS_DDL
from shopsight.ingest.warehouse import connect
from shopsight.verdict import decide_verdict, judge, record_verdict, recorded_verdict

WARNED = [("assert_charged_price_is_the_list_price", 1)]


def test_a_warning_is_amber_on_its_first_day_and_a_note_after(tmp_path) -> None:
    warehouse = connect(f"duckdb:///{tmp_path}/w.duckdb")
    warehouse.execute_script(OPS_DDL)
    first = decide_verdict(warehouse, date(2024, 3, 30), {"pass": 9, "warn": 1}, WARNED)
    assert first.colour == "amber"
    assert first.reasons == ["1 data test warns: assert_charged_price_is_the_list_price: 1 row"]
    again = decide_verdict(warehouse, date(2024, 3, 30), {"pass": 9, "warn": 1}, WARNED)
    assert again.colour == "amber"  # a rerun of the same day keeps its colour
    later = decide_verdict(warehouse, date(2024, 3, 31), {"pass": 9, "warn": 1}, WARNED)
    assert later.colour == "green" and later.reasons == []
    assert later.notes == [
        "still warns (reported before): assert_charged_price_is_the_list_price: 1 row "
        "(since 2024-03-30)"
    ]
    more = decide_verdict(warehouse, date(2024, 4, 1), {"pass": 9, "warn": 1}, [(WARNED[0][0], 4)])
    assert more.colour == "amber"  # the same test on more rows is news
    record_verdict(warehouse, later, "run-31")
    assert recorded_verdict(warehouse, date(2024, 3, 31)) == later
    assert recorded_verdict(warehouse) == later
    warehouse.close()


def test_red_comes_first_and_accepted_gaps_never_make_a_day_red() -> None:
    day = date(2024, 3, 31)
    red = judge(day, ["x.csv: truncated"], {day: ["3 orders of unknown revenue (...)"]}, {},
                [], {"pass": 1}, [], [])  # fmt: skip
    assert red.colour == "red" and red.reasons[0] == "untrusted file: x.csv: truncated"
    owned = judge(day, [], {}, {day: ["278 orders of unknown revenue (accepted)"]},
                  ["x.csv (truncated_gzip) accepted by ana on 2024-04-01 09:00 UTC: lost"],
                  {"pass": 1}, [], [])  # fmt: skip
    assert owned.colour == "green" and owned.accepted == 1
    assert owned.headline.startswith("GREEN, with 1 accepted gap.")
