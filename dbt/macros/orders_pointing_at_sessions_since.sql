{#- The orders of `relation` (the attribution, or the web orders built from it) whose last or
    first touch is one of the calling model's `sessions_since` (a CTE with a session_id).
    Each touch on its own: an equality join, never a join on `in (a, b)`, which no hash join
    serves (a nested loop over every order: 8 minutes at 1 M users). -#}
{% macro orders_pointing_at_sessions_since(relation) %}
    select order_id from {{ relation }}
    where last_touch_session_id in (select session_id from sessions_since)
    union
    select order_id from {{ relation }}
    where first_touch_session_id in (select session_id from sessions_since)
{% endmacro %}
