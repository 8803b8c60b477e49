{#- A table built before it had user_id is rebuilt whole, once. -#}
{% set from_watermark = incremental_from_watermark() and incremental_from_watermark('user_id') %}
{{ config(
    alias='fct_orders',
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['order_id'], ['order_date_key'], ['user_key']]),
) }}

{#- Grain: one web-shop order, with the sessions it is attributed to (last touch and first
    touch, rules in int_web_order_sessions) and what it earned. gross_revenue counts every
    item; net_revenue the items that count as revenue (not cancelled, not returned). An
    order none of whose items has loaded has unknown revenue (null), never zero.
    customer_order_number counts the user's orders that count as revenue (status neither
    Cancelled nor Returned): 1 is a new customer's first such order, 2, 3... a returning
    customer's; null for an order that does not count (a cancelled first order does not
    make its customer a returning one).
    An order placed on a day whose web events are not whole (its events file quarantined,
    accepted as lost or not landed: fct_source_days) cannot be attributed: its last touch is
    "Events missing" (rule "events missing"), never a guess from older sessions.
    Incremental by order (docs/decisions/0027, 0028), loaded since meaning after the
    latest load its rows have seen, the order's, its items' or its touches'
    (`source_loaded_at`, less `incremental_lookback_minutes`; decision 0068): a run rebuilds each
    order or item loaded since, with the user's later orders (their numbers follow the
    changed one's status); every order of a user whose row loaded since; each order
    attributed, before or now, to a session rebuilt since (a touch changes only when the
    session it leaves or takes changed); and every order of a day whose events
    completeness is no longer what its built orders say. Orders are numbered over all
    their user's orders. -#}
-- depends_on: {{ ref('stg_thelook__users') }}
-- depends_on: {{ ref('stg_thelook__order_items') }}
with
-- Whether each day's web events are whole; a day before the first events file is (the
-- sessions that started then, just before the shop's first day, came in that file).
event_days as (
    select file_dt, is_complete from {{ ref('fct_source_days') }}
    where source = 'thelook' and table_name = 'events'
),

first_event_day as (
    select min(file_dt) as first_day from event_days
),

{% if from_watermark %}
{%- set loaded_after = watermark_literal() %}
sessions_since as (
    select session_id, user_id from {{ ref('int_web_sessions') }}
    where loaded_at >= {{ loaded_after }}
),

-- A changed order renumbers its user's later orders: from the earlier of its old and new
-- order time.
renumbered_from as (
    select changed.user_id, min(changed.ordered_at) as ordered_from
    from (
        select user_id, ordered_at from {{ ref('stg_thelook__orders') }}
        where loaded_at >= {{ loaded_after }}
        union all
        select built.user_id, built.ordered_at from {{ this }} as built
        inner join {{ ref('stg_thelook__orders') }} as orders on orders.order_id = built.order_id
        where orders.loaded_at >= {{ loaded_after }}
    ) as changed
    group by changed.user_id
),

orders_in_scope as (
    select orders.order_id
    from {{ ref('stg_thelook__orders') }} as orders
    inner join renumbered_from
        on renumbered_from.user_id = orders.user_id
        and orders.ordered_at >= renumbered_from.ordered_from
    union
    select order_id from {{ ref('stg_thelook__order_items') }}
    where loaded_at >= {{ loaded_after }}
    union
    select order_id from {{ ref('stg_thelook__orders') }}
    where user_id in (
        select user_id from {{ ref('stg_thelook__users') }}
        where loaded_at >= {{ loaded_after }}
    )
    union
    {{ orders_pointing_at_sessions_since(this) }}
    union
    {{ orders_pointing_at_sessions_since(ref('int_web_order_sessions')) }}
),

-- Days whose orders were built with another completeness than the day has now.
days_in_scope as (
    select built.order_date
    from {{ this }} as built
    cross join first_event_day
    left join event_days on event_days.file_dt = built.order_date
    group by built.order_date
    having bool_or(
        built.is_attribution_complete <> coalesce(
            event_days.is_complete, built.order_date < first_event_day.first_day, false
        )
    )
),
{% endif %}

{% if from_watermark %}
built_orders as (
    select order_id from orders_in_scope
    union
    select order_id from {{ ref('stg_thelook__orders') }}
    where cast(ordered_at as date) in (select order_date from days_in_scope)
),
{% endif %}

-- Every order of the users in scope, to number each user's orders together.
user_orders as (
    select * from {{ ref('stg_thelook__orders') }}
    {% if from_watermark %}
    where user_id in (
        select user_id from {{ ref('stg_thelook__orders') }}
        where order_id in (select order_id from built_orders)
    )
    {% endif %}
),

numbered as (
    select
        order_id,
        case
            when order_status not in ('Cancelled', 'Returned')
                then row_number() over (
                    partition by user_id, order_status not in ('Cancelled', 'Returned')
                    order by ordered_at, order_id
                )
        end as customer_order_number
    from user_orders
),

orders as (
    select user_orders.*, numbered.customer_order_number
    from user_orders
    inner join numbered on numbered.order_id = user_orders.order_id
    {% if from_watermark %}
    where user_orders.order_id in (select order_id from built_orders)
    {% endif %}
),

touches as (
    select * from {{ ref('int_web_order_sessions') }}
    {% if from_watermark %}
    where order_id in (select order_id from built_orders)
    {% endif %}
),

items as (
    select
        order_id,
        count(*) as items_loaded,
        max(source_loaded_at) as items_loaded_at,
        sum(sale_price) as gross_revenue,
        sum(case when counts_as_revenue then sale_price else 0 end) as net_revenue
    from {{ ref('web_fct_order_items') }}
    {% if from_watermark %}
    where order_id in (select order_id from orders)
    {% endif %}
    group by order_id
),

-- The touched sessions as one set: a single semi join lets DuckDB skip the sessions
-- that cannot match while it scans, where two `in` lists joined by `or` probe every one.
sessions as (
    select session_id, traffic_source from {{ ref('int_web_sessions') }}
    {% if from_watermark %}
    where session_id in (
        select last_touch_session_id from touches
        union
        select first_touch_session_id from touches
    )
    {% endif %}
),

sources as (
    select traffic_source, traffic_source_key, channel from {{ ref('dim_traffic_sources') }}
),

users as (
    select user_id, user_key from {{ ref('dim_users') }} where not is_unknown
),

attributed as (
    select
        orders.*,
        coalesce(
            event_days.is_complete, cast(orders.ordered_at as date) < first_event_day.first_day,
            false
        ) as is_attribution_complete
    from orders
    cross join first_event_day
    left join event_days on event_days.file_dt = cast(orders.ordered_at as date)
)

select
    orders.order_id,
    cast(coalesce(users.user_key, {{ unknown_key() }}) as {{ text_type() }}) as user_key,
    orders.user_id,
    {{ date_key('orders.ordered_at') }} as order_date_key,
    cast(orders.ordered_at as date) as order_date,
    orders.ordered_at,
    cast(orders.order_status as {{ text_type() }}) as order_status,
    orders.item_count,
    cast(coalesce(items.items_loaded, 0) as bigint) as items_loaded,
    cast(items.gross_revenue as decimal(18, 2)) as gross_revenue,
    cast(items.net_revenue as decimal(18, 2)) as net_revenue,
    cast(orders.customer_order_number as bigint) as customer_order_number,
    orders.is_attribution_complete,
    cast(
        case when orders.is_attribution_complete then touches.last_touch_rule
        else 'events missing' end as {{ text_type() }}
    ) as last_touch_rule,
    cast(
        case when orders.is_attribution_complete then touches.last_touch_session_id end
        as {{ text_type() }}
    ) as last_touch_session_id,
    cast(
        coalesce(
            case when orders.is_attribution_complete then last_source.traffic_source_key end,
            {{ unknown_key() }}
        ) as {{ text_type() }}
    ) as last_touch_source_key,
    cast(
        case
            when not orders.is_attribution_complete then 'Events missing'
            else coalesce(last_source.traffic_source, 'Unknown')
        end as {{ text_type() }}
    ) as last_touch_source,
    cast(
        case when orders.is_attribution_complete then coalesce(last_source.channel, 'Unknown')
        else 'Unknown' end as {{ text_type() }}
    ) as last_touch_channel,
    cast(touches.first_touch_session_id as {{ text_type() }}) as first_touch_session_id,
    cast(coalesce(first_source.traffic_source_key, {{ unknown_key() }}) as {{ text_type() }})
        as first_touch_source_key,
    cast(coalesce(first_source.traffic_source, 'Unknown') as {{ text_type() }}) as first_touch_source,
    cast(coalesce(first_source.channel, 'Unknown') as {{ text_type() }}) as first_touch_channel,
    -- The latest load among the order, its items and its touches (decision 0068).
    greatest(
        orders.loaded_at,
        touches.source_loaded_at,
        coalesce(items.items_loaded_at, orders.loaded_at)
    ) as source_loaded_at
from attributed as orders
inner join touches on touches.order_id = orders.order_id
left join items on items.order_id = orders.order_id
left join users on users.user_id = orders.user_id
left join sessions as last_session on last_session.session_id = touches.last_touch_session_id
left join sources as last_source on last_source.traffic_source = last_session.traffic_source
left join sessions as first_session on first_session.session_id = touches.first_touch_session_id
left join sources as first_source on first_source.traffic_source = first_session.traffic_source
