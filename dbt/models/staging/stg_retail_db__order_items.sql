-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    order_item_id,
    order_item_order_id as order_id,
    order_item_product_id as product_id,
    order_item_quantity as quantity,
    {{ to_money('order_item_product_price') }} as unit_price,
    {{ to_money('order_item_subtotal') }} as delivered_subtotal,
    _loaded_at as loaded_at
from {{ source('retail_db', 'order_items') }}
