select
    id as distribution_center_id,
    name as distribution_center_name,
    latitude,
    longitude,
    _loaded_at as loaded_at
from {{ source('thelook', 'distribution_centers') }}
