select
    id as order_item_id,
    order_id,
    user_id,
    product_id,
    inventory_item_id,
    status as item_status,
    created_at as bought_at,
    shipped_at,
    delivered_at,
    returned_at,
    {{ to_money('sale_price') }} as sale_price,
    _loaded_at as loaded_at
from {{ source('thelook', 'order_items') }}
