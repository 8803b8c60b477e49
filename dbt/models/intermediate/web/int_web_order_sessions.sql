{#- One row per web-shop order: the sessions it is attributed to.

    Last touch, the session that led to the order, by the first rule that finds one:
      1. "purchase event": the user's session with a purchase event nearest in time to the
         order (within an hour either side: the shop records the order and its purchase
         events moments apart, on either side of midnight alike); several such sessions (one
         per item bought) -> the nearest, then the earliest, then the lowest session id;
      2. "session before the order": the user's latest session that started before the
         order (within var attribution_lookback_days);
      3. "no session": none; the order's touch is the unknown traffic source.
    First touch: the user's first session that started before the order (or within the
    hour after it, as rule 1 allows), else none. Times are compared as timestamps, never as
    days, so an order at 23:58 and its purchase at 00:03 match.
    Incremental by order (docs/decisions/0027, 0028): an order's touches depend only on
    its own user's sessions that started before it or within the hour after it (a purchase
    event, an hour either side, is never before its session's start). So a run rebuilds
    each order loaded after the latest load its rows have seen (an order's or a touch's,
    `source_loaded_at`, less `incremental_lookback_minutes`; decision 0068); each order of
    a user with a session loaded since,
    placed at most an hour before the earliest such session started; and each order whose
    built touches point at a session loaded since (a session whose first event changed
    user leaves its old user's orders). -#}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with
{% if from_watermark %}
{%- set loaded_after = watermark_literal() %}
sessions_since as (
    select session_id, user_id, started_at from {{ ref('int_web_sessions') }}
    where loaded_at >= {{ loaded_after }}
),

-- Per user, the earliest order a session loaded since can touch.
touched_from as (
    select user_id, {{ dbt.dateadd('hour', -1, 'min(started_at)') }} as ordered_from
    from sessions_since
    where user_id is not null
    group by user_id
),

orders_in_scope as (
    select order_id from {{ ref('stg_thelook__orders') }}
    where loaded_at >= {{ loaded_after }}
    union
    select orders.order_id
    from {{ ref('stg_thelook__orders') }} as orders
    inner join touched_from
        on touched_from.user_id = orders.user_id
        and orders.ordered_at >= touched_from.ordered_from
    union
    {{ orders_pointing_at_sessions_since(this) }}
),
{% endif %}

orders as (
    select order_id, user_id, ordered_at, loaded_at from {{ ref('stg_thelook__orders') }}
    {% if from_watermark %}
    where order_id in (select order_id from orders_in_scope)
    {% endif %}
),

{% if from_watermark %}
users_in_scope as (
    select distinct user_id from orders
),
{% endif %}

sessions as (
    select session_id, user_id, started_at, loaded_at from {{ ref('int_web_sessions') }}
    where user_id is not null
    {% if from_watermark %}
        and user_id in (select user_id from users_in_scope)
    {% endif %}
),

-- The staged events: a purchase event's time and session need no parsing.
purchases as (
    select session_id, user_id, occurred_at, loaded_at from {{ ref('stg_thelook__events') }}
    where event_type = 'purchase' and user_id is not null
    {% if from_watermark %}
        and user_id in (select user_id from users_in_scope)
    {% endif %}
),

by_purchase as (
    select order_id, session_id, loaded_at from (
        select
            orders.order_id,
            purchases.session_id,
            purchases.loaded_at,
            row_number() over (
                partition by orders.order_id
                order by
                    abs({{ dbt.datediff('orders.ordered_at', 'purchases.occurred_at', 'second') }}),
                    purchases.occurred_at,
                    purchases.session_id
            ) as nearness
        from orders
        inner join purchases
            on purchases.user_id = orders.user_id
            and purchases.occurred_at >= {{ dbt.dateadd('hour', -1, 'orders.ordered_at') }}
            and purchases.occurred_at <= {{ dbt.dateadd('hour', 1, 'orders.ordered_at') }}
    ) ranked
    where nearness = 1
),

by_session as (
    select order_id, session_id, loaded_at from (
        select
            orders.order_id,
            sessions.session_id,
            sessions.loaded_at,
            row_number() over (
                partition by orders.order_id
                order by sessions.started_at desc, sessions.session_id
            ) as recency
        from orders
        inner join sessions
            on sessions.user_id = orders.user_id
            and sessions.started_at <= orders.ordered_at
            and sessions.started_at >= {{ dbt.dateadd(
                'day', -var('attribution_lookback_days'), 'orders.ordered_at') }}
    ) ranked
    where recency = 1
),

first_touch as (
    select order_id, session_id, loaded_at from (
        select
            orders.order_id,
            sessions.session_id,
            sessions.loaded_at,
            row_number() over (
                partition by orders.order_id
                order by sessions.started_at, sessions.session_id
            ) as position
        from orders
        inner join sessions
            on sessions.user_id = orders.user_id
            and sessions.started_at <= {{ dbt.dateadd('hour', 1, 'orders.ordered_at') }}
    ) ranked
    where position = 1
)

select
    orders.order_id,
    orders.user_id,
    orders.ordered_at,
    coalesce(by_purchase.session_id, by_session.session_id) as last_touch_session_id,
    case
        when by_purchase.session_id is not null then 'purchase event'
        when by_session.session_id is not null then 'session before the order'
        else 'no session'
    end as last_touch_rule,
    first_touch.session_id as first_touch_session_id,
    -- The latest load among what the order's touches were found from: the next run's
    -- watermark then lies past the sessions this one read, whichever table loaded last.
    greatest(
        orders.loaded_at,
        coalesce(by_purchase.loaded_at, orders.loaded_at),
        coalesce(by_session.loaded_at, orders.loaded_at),
        coalesce(first_touch.loaded_at, orders.loaded_at)
    ) as source_loaded_at
from orders
left join by_purchase on by_purchase.order_id = orders.order_id
left join by_session on by_session.order_id = orders.order_id
left join first_touch on first_touch.order_id = orders.order_id
