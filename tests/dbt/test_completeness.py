"""An incomplete day is shown as incomplete, never as zero: orders whose lines are missing
have unknown revenue and say why, checked against the landed files themselves."""

from __future__ import annotations

from built_store import BuiltStore, query
from support import landed_csv_rows


def _rows(store: BuiltStore, key: str) -> list[list[str]]:
    return landed_csv_rows(store.bucket, key)


def test_orders_of_a_quarantined_lines_file_have_unknown_revenue(faulty_store) -> None:
    (lost,) = [
        f.path
        for f in faulty_store.generation.faults
        if f.outcome == "file_quarantined" and "/order_items/" in f.path
    ]
    day = lost.split("dt=", 1)[1][:10]
    first_seen: dict[str, str] = {}
    for info in sorted(faulty_store.bucket.list("landing/retail_db/orders/"), key=lambda i: i.key):
        for row in _rows(faulty_store, info.key):
            first_seen.setdefault(row[0], info.key.split("dt=", 1)[1][:10])
    with_lines = {
        row[1]
        for info in faulty_store.bucket.list("landing/retail_db/order_items/")
        if info.key != lost
        for row in _rows(faulty_store, info.key)
    }
    expected = {o for o, seen in first_seen.items() if seen == day and o not in with_lines}
    marked = query(
        faulty_store,
        "select cast(order_id as varchar), net_revenue, gross_order_value, units, "
        "incomplete_reason from marts.fct_orders where not is_complete "
        "and incomplete_reason like 'order lines file quarantined%'",
    )
    assert expected and {row[0] for row in marked} == expected
    assert {row[1:] for row in marked} == {
        (None, None, None, "order lines file quarantined: truncated_gzip")
    }


def test_an_order_with_a_quarantined_line_is_incomplete(faulty_store) -> None:
    named = set()
    for fault in faulty_store.generation.faults:
        if fault.outcome == "rejected" and "/order_items/" in fault.path:
            rows = _rows(faulty_store, fault.path)
            fields = rows[fault.line - 1] if fault.line and fault.line <= len(rows) else []
            if len(fields) > 1 and fields[1].strip().isdigit():
                named.add(int(fields[1]))
    incomplete = dict(
        query(
            faulty_store,
            "select order_id, incomplete_reason from marts.fct_orders where not is_complete",
        )
    )
    known = named & {row[0] for row in query(faulty_store, "select order_id from marts.fct_orders")}
    assert known and all(incomplete[o].startswith("order lines quarantined: ") for o in known)


def test_complete_orders_keep_their_revenue(faulty_store) -> None:
    (nulls,) = query(
        faulty_store,
        "select count(*) from marts.fct_orders where is_complete and net_revenue is null",
    )[0]
    assert nulls == 0


def test_source_days_name_the_day_whose_file_is_untrusted(faulty_store) -> None:
    untrusted = {
        (f.path.split("/")[2], f.path.split("dt=", 1)[1][:10])
        for f in faulty_store.generation.faults
        if f.outcome == "file_quarantined"
    }
    marked = {
        (table, str(day))
        for table, day in query(
            faulty_store,
            "select table_name, file_dt from marts.fct_source_days "
            "where source = 'retail_db' and files_untrusted > 0 and not is_complete",
        )
    }
    assert untrusted and marked == untrusted
