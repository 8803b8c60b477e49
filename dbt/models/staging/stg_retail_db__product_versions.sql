{#- Every delivered version of a product row, in delivery order. -#}
-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    product_id,
    product_category_id as category_id,
    product_name,
    {{ to_money('product_price') }} as list_price,
    cast(_file_dt as date) as delivered_on,
    _file_path as delivered_in,
    _line_number as delivered_at_line,
    _loaded_at as loaded_at
from {{ source('retail_db', 'products_history') }}
