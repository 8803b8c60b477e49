{#- The web sessions an incremental run of fct_events or fct_sessions rebuilds, whole: every
    session with an event loaded since the watermark (`since`, a CTE of the calling model),
    so a session whose events arrive in two files (one that spans midnight is exported on
    both days) is rebuilt from all its events; and every session with an event of a user
    or a product loaded since (events stuck at the Unknown user until the user lands; a
    product re-delivered with a new category). -#}
{% macro web_sessions_in_scope() %}
    select events.session_id
    from {{ ref('int_web_events_parsed') }} as events
    cross join since
    where events.loaded_at >= since.loaded_after
    union
    select events.session_id
    from {{ ref('int_web_events_parsed') }} as events
    inner join {{ ref('stg_thelook__users') }} as users on users.user_id = events.user_id
    cross join since
    where users.loaded_at >= since.loaded_after
    union
    select events.session_id
    from {{ ref('int_web_events_parsed') }} as events
    inner join {{ ref('stg_thelook__products') }} as products
        on products.product_id = events.product_id
    cross join since
    where products.loaded_at >= since.loaded_after
{% endmacro %}
