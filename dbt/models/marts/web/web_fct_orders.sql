{{ config(alias='fct_orders', indexes=postgres_indexes([['order_date_key'], ['user_key']])) }}

{#- Grain: one web-shop order, with the sessions it is attributed to (last touch and first
    touch, rules in int_web_order_sessions) and what it earned. gross_revenue counts every
    item; net_revenue the items that count as revenue (not cancelled, not returned). An
    order none of whose items has loaded has unknown revenue (null), never zero.
    customer_order_number: 1 for the user's first order (a new customer), then 2, 3... -#}
with orders as (
    select * from {{ ref('stg_thelook__orders') }}
),

touches as (
    select * from {{ ref('int_web_order_sessions') }}
),

items as (
    select
        order_id,
        count(*) as items_loaded,
        sum(sale_price) as gross_revenue,
        sum(case when counts_as_revenue then sale_price else 0 end) as net_revenue
    from {{ ref('web_fct_order_items') }}
    group by order_id
),

sessions as (
    select session_id, traffic_source from {{ ref('int_web_sessions') }}
),

sources as (
    select traffic_source, traffic_source_key, channel from {{ ref('dim_traffic_sources') }}
),

users as (
    select user_id, user_key from {{ ref('dim_users') }} where not is_unknown
)

select
    orders.order_id,
    cast(coalesce(users.user_key, {{ unknown_key() }}) as varchar) as user_key,
    {{ date_key('orders.ordered_at') }} as order_date_key,
    cast(orders.ordered_at as date) as order_date,
    orders.ordered_at,
    cast(orders.order_status as varchar) as order_status,
    orders.item_count,
    cast(coalesce(items.items_loaded, 0) as bigint) as items_loaded,
    cast(items.gross_revenue as decimal(18, 2)) as gross_revenue,
    cast(items.net_revenue as decimal(18, 2)) as net_revenue,
    cast(row_number() over (
        partition by orders.user_id order by orders.ordered_at, orders.order_id
    ) as bigint) as customer_order_number,
    cast(touches.last_touch_rule as varchar) as last_touch_rule,
    cast(touches.last_touch_session_id as varchar) as last_touch_session_id,
    cast(coalesce(last_source.traffic_source_key, {{ unknown_key() }}) as varchar)
        as last_touch_source_key,
    cast(coalesce(last_source.traffic_source, 'Unknown') as varchar) as last_touch_source,
    cast(coalesce(last_source.channel, 'Unknown') as varchar) as last_touch_channel,
    cast(touches.first_touch_session_id as varchar) as first_touch_session_id,
    cast(coalesce(first_source.traffic_source_key, {{ unknown_key() }}) as varchar)
        as first_touch_source_key,
    cast(coalesce(first_source.traffic_source, 'Unknown') as varchar) as first_touch_source,
    cast(coalesce(first_source.channel, 'Unknown') as varchar) as first_touch_channel
from orders
inner join touches on touches.order_id = orders.order_id
left join items on items.order_id = orders.order_id
left join users on users.user_id = orders.user_id
left join sessions as last_session on last_session.session_id = touches.last_touch_session_id
left join sources as last_source on last_source.traffic_source = last_session.traffic_source
left join sessions as first_session on first_session.session_id = touches.first_touch_session_id
left join sources as first_source on first_source.traffic_source = first_session.traffic_source
