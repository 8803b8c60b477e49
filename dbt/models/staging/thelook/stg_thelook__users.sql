select
    id as user_id,
    first_name,
    last_name,
    email,
    age,
    gender,
    state,
    street_address,
    postal_code,
    city,
    country,
    latitude,
    longitude,
    traffic_source as acquisition_source,
    created_at as signed_up_at,
    _loaded_at as loaded_at
from {{ source('thelook', 'users') }}
