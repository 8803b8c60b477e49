"""dbt's source declaration and the landing contract describe the same tables and columns."""

from __future__ import annotations

import yaml

from shopsight.build import DBT_PROJECT_DIR
from shopsight.contracts.model import load_contract


def test_dbt_sources_match_the_contract() -> None:
    declared = yaml.safe_load(
        (DBT_PROJECT_DIR / "models/staging/_retail_db__sources.yml").read_text()
    )
    [source] = declared["sources"]
    contract = load_contract("retail_db")
    assert source["name"] == source["schema"] == contract.source
    tables = {t["name"]: [c["name"] for c in t["columns"]] for t in source["tables"]}
    for name, table in contract.tables.items():
        assert tables[name] == table.column_names, name
    histories = {"products_history", "orders_history", "customers_history", "order_items_history"}
    for history in histories:
        assert tables[history] == contract.table(history.removesuffix("_history")).column_names
    assert set(tables) - set(contract.tables) == histories
    assert source["loaded_at_field"] == "_loaded_at"


def test_web_sources_match_their_contracts() -> None:
    for source in ("thelook", "transactions"):
        declared = yaml.safe_load(
            (DBT_PROJECT_DIR / f"models/staging/thelook/_{source}__sources.yml").read_text()
        )
        [dbt_source] = declared["sources"]
        contract = load_contract(source)
        assert dbt_source["name"] == dbt_source["schema"] == contract.source
        tables = {t["name"]: [c["name"] for c in t["columns"]] for t in dbt_source["tables"]}
        for name, table in contract.tables.items():
            assert tables[name] == table.column_names, name
            primary_key = next(c for c in dbt_source["tables"] if c["name"] == name)["columns"][0]
            assert primary_key["name"] == table.primary_key[0]
            assert primary_key["tests"] == ["unique", "not_null"]
