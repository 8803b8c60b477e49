select
    id as product_id,
    name as product_name,
    brand,
    category,
    department,
    sku,
    cast(cost as decimal(18, 4)) as unit_cost,
    {{ to_money('retail_price') }} as retail_price,
    distribution_center_id,
    _loaded_at as loaded_at
from {{ source('thelook', 'products') }}
