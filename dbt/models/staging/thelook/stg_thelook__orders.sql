select
    order_id,
    user_id,
    status as order_status,
    gender,
    created_at as ordered_at,
    shipped_at,
    delivered_at,
    returned_at,
    num_of_item as item_count,
    _loaded_at as loaded_at
from {{ source('thelook', 'orders') }}
