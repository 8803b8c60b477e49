{#- The web sessions an incremental run of fct_events or fct_sessions rebuilds, whole: every
    session with an event loaded since the watermark (`loaded_after`, a timestamp literal),
    so a session whose events arrive in two files (one that spans midnight is exported on
    both days) is rebuilt from all its events; and every session with an event of a user
    or a product loaded since (events stuck at the Unknown user until the user lands; a
    product re-delivered with a new category). An event's product is the one its session
    last viewed, so a session has an event of a product exactly when it viewed the product's
    page. Read from the staged events, one scan of a few columns: the parsed events' windows
    would first run over every event. -#}
{% macro web_sessions_in_scope(loaded_after) %}
    select events.session_id
    from {{ ref('stg_thelook__events') }} as events
    where events.loaded_at >= {{ loaded_after }}
    union
    select events.session_id
    from {{ ref('stg_thelook__events') }} as events
    inner join {{ ref('stg_thelook__users') }} as users on users.user_id = events.user_id
    where users.loaded_at >= {{ loaded_after }}
    union
    select events.session_id
    from {{ ref('stg_thelook__events') }} as events
    inner join {{ ref('stg_thelook__products') }} as products
        on events.uri = '/product/' || cast(products.product_id as {{ text_type() }})
    where products.loaded_at >= {{ loaded_after }}
{% endmacro %}
