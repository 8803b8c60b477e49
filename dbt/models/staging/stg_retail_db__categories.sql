-- One select without a WITH: PostgreSQL cannot fold a view holding a CTE into the
-- query that reads it, so a join on the key would scan the table (decision 0041).
select
    category_id,
    category_department_id as department_id,
    category_name,
    _loaded_at as loaded_at
from {{ source('retail_db', 'categories') }}
