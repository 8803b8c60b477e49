{#- Every delivery of an order row (its first, then each status change), by file day. -#}
-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    order_id,
    order_status,
    cast(_file_dt as date) as delivered_on,
    _loaded_at as loaded_at
from {{ source('retail_db', 'orders_history') }}
