-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    product_id,
    product_category_id as category_id,
    product_name,
    product_description,
    {{ to_money('product_price') }} as list_price,
    product_image as product_image_url,
    _loaded_at as loaded_at
from {{ source('retail_db', 'products') }}
