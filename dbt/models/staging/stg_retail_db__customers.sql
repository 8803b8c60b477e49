-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    customer_id,
    customer_fname as first_name,
    customer_lname as last_name,
    customer_street as street,
    customer_city as city,
    customer_state as state,
    customer_zipcode as zipcode,
    _loaded_at as loaded_at
from {{ source('retail_db', 'customers') }}
