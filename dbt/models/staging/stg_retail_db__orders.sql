-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    order_id,
    order_customer_id as customer_id,
    cast(order_date as timestamp) as ordered_at,
    order_status,
    _loaded_at as loaded_at
from {{ source('retail_db', 'orders') }}
