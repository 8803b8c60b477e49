select
    id as inventory_item_id,
    product_id,
    created_at as stocked_at,
    sold_at,
    cast(cost as decimal(18, 4)) as unit_cost,
    product_distribution_center_id as distribution_center_id,
    _loaded_at as loaded_at
from {{ source('thelook', 'inventory_items') }}
