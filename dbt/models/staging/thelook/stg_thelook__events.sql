select
    id as event_id,
    user_id,
    session_id,
    sequence_number,
    created_at as occurred_at,
    ip_address,
    city,
    state,
    postal_code,
    browser,
    traffic_source,
    uri,
    event_type,
    _loaded_at as loaded_at
from {{ source('thelook', 'events') }}
