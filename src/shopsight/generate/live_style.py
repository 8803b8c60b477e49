"""The live ``thelook_ecommerce`` tables' own style, for ``generate thelook --drift``.

From the drift day on, the export is written as a real export of the live tables reads:
geometry columns the documented schema lacks (``user_geom``, ``distribution_center_geom``,
after the documented columns), order items with their columns in another order, ``null``
for a missing value, timestamps with six-digit microseconds and `` UTC``, and money as the
binary float BigQuery keeps (0.02 is written 0.0199999995529651). Ingestion must load all
of it as such; ``contracts drift`` reports the new columns.
"""

from __future__ import annotations

import re
import struct

from shopsight.contracts.model import load_contract

# Table → (new column, latitude column, longitude column): a POINT(longitude latitude).
GEOMETRY = {
    "users": ("user_geom", "latitude", "longitude"),
    "distribution_centers": ("distribution_center_geom", "latitude", "longitude"),
}
# Order items as the live table lists them: the price right after the keys.
REORDERED = {
    "order_items": [
        "id",
        "order_id",
        "user_id",
        "product_id",
        "inventory_item_id",
        "sale_price",
        "status",
        "created_at",
        "shipped_at",
        "delivered_at",
        "returned_at",
    ]
}
MONEY = {"sale_price", "retail_price", "cost", "product_retail_price"}
NULLABLE = {
    name: {column.name for column in table.columns if column.nullable}
    for name, table in load_contract("thelook").tables.items()
}
_WHOLE_SECOND = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC$")


def live_style(
    table: str, header: list[str], rows: list[list[object]]
) -> tuple[list[str], list[list[object]]]:
    """The table's header and rows as the live dataset writes them."""
    index = {name: i for i, name in enumerate(header)}
    order = REORDERED.get(table, header)
    nullable = NULLABLE[table]
    styled = [[_value(name, row[index[name]], name in nullable) for name in order] for row in rows]
    new_header = list(order)
    if table in GEOMETRY:
        column, latitude, longitude = GEOMETRY[table]
        new_header.append(column)
        for row, original in zip(styled, rows, strict=True):
            row.append(f"POINT({original[index[longitude]]} {original[index[latitude]]})")
    return new_header, styled


def _value(name: str, value: object, nullable: bool) -> object:
    if value is None or (nullable and value == ""):
        return "null"
    if name in MONEY and isinstance(value, float):
        return repr(struct.unpack("f", struct.pack("f", value))[0])  # float32, widened
    if isinstance(value, str) and (whole := _WHOLE_SECOND.match(value)):
        return f"{whole.group(1)}.000000 UTC"
    return value
