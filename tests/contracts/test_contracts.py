"""The retail_db contract matches the seed DDL, and the committed DDL matches the contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopsight.contracts.ddl import render_landing_ddl
from shopsight.contracts.model import ContractError, load_contract
from shopsight.contracts.sources import known_sources

ROOT = Path(__file__).resolve().parents[2]

# The seed DDL (Create_DB_tables_pg.sql) as ../shared/reference/retail_db.md gives it,
# written out here independently of the contract.
SEED = {
    "departments": [("department_id", "int"), ("department_name", "varchar(45)")],
    "categories": [
        ("category_id", "int"),
        ("category_department_id", "int"),
        ("category_name", "varchar(45)"),
    ],
    "products": [
        ("product_id", "int"),
        ("product_category_id", "int"),
        ("product_name", "varchar(45)"),
        ("product_description", "varchar(255)"),
        ("product_price", "float"),
        ("product_image", "varchar(255)"),
    ],
    "customers": [
        ("customer_id", "int"),
        ("customer_fname", "varchar(45)"),
        ("customer_lname", "varchar(45)"),
        ("customer_email", "varchar(45)"),
        ("customer_password", "varchar(45)"),
        ("customer_street", "varchar(255)"),
        ("customer_city", "varchar(45)"),
        ("customer_state", "varchar(45)"),
        ("customer_zipcode", "varchar(45)"),
    ],
    "orders": [
        ("order_id", "int"),
        ("order_date", "timestamp"),
        ("order_customer_id", "int"),
        ("order_status", "varchar(45)"),
    ],
    "order_items": [
        ("order_item_id", "int"),
        ("order_item_order_id", "int"),
        ("order_item_product_id", "int"),
        ("order_item_quantity", "int"),
        ("order_item_subtotal", "float"),
        ("order_item_product_price", "float"),
    ],
}


def _tables(ddl: str) -> dict[str, str]:
    return dict(re.findall(r"create table if not exists retail_db\.(\w+) \((.*?)\n\);", ddl, re.S))


@pytest.mark.parametrize("source", known_sources())
def test_committed_landing_ddl_matches_contract(source: str) -> None:
    committed = (ROOT / f"sql/landing/{source}.sql").read_text()
    assert committed == render_landing_ddl(load_contract(source), "postgres"), (
        f"sql/landing/{source}.sql drifted: run `shopsight contracts ddl --source {source} "
        f"--output sql/landing/{source}.sql`"
    )


def test_thelook_follows_the_reference_columns_in_order() -> None:
    # ../shared/reference/thelook.md, section 1 (note: orders has returned_at before shipped_at).
    contract = load_contract("thelook")
    assert contract.table("orders").column_names == [
        "order_id",
        "user_id",
        "status",
        "gender",
        "created_at",
        "returned_at",
        "shipped_at",
        "delivered_at",
        "num_of_item",
    ]
    assert contract.table("events").column_names == [
        "id",
        "user_id",
        "sequence_number",
        "session_id",
        "created_at",
        "ip_address",
        "city",
        "state",
        "postal_code",
        "browser",
        "traffic_source",
        "uri",
        "event_type",
    ]
    assert contract.format.header


def test_landing_tables_have_seed_columns_types_and_keys() -> None:
    tables = _tables((ROOT / "sql/landing/retail_db.sql").read_text())
    for name, columns in SEED.items():
        body = tables[name]
        declared = re.findall(r"^\s+(\w+) ([\w()]+) not null,?$", body, re.M)
        assert declared == columns, name
        other = re.findall(r"^\s+(\w+) ", body, re.M)
        assert all(c.startswith("_") for c in other if c not in dict(columns) and c != "primary")
        assert f"primary key ({columns[0][0]})" in body


def test_unknown_table_names_the_known_ones() -> None:
    with pytest.raises(ContractError, match="known: departments, categories"):
        load_contract("retail_db").table("invoices")


def test_unknown_source_is_a_contract_error() -> None:
    with pytest.raises(
        ContractError, match="unknown source 'nosuch'; the sources are: aftership, retail_db"
    ):
        load_contract("nosuch")
