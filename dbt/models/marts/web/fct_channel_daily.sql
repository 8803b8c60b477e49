{#- Grain: day × traffic source. Campaign performance side by side: the sessions a source
    brought that day (by the session's start) and the orders and revenue credited to it, by
    last touch (the session that led to the order) and by first touch (the user's first
    session), on the order's day. New-customer orders are the users' first orders.
    Revenue is net unless named gross; an order of unknown revenue is counted in
    *_orders_unknown_revenue and left out of the sums, never counted as zero. On a day whose
    web events are not whole (fct_source_days) sessions are unknown (null, never zero) and
    the day's orders are credited by last touch to "Events missing" (web.fct_orders). -#}
with sessions as (
    select
        session_date as day,
        traffic_source,
        count(*) as sessions,
        sum(case when converted then 1 else 0 end) as converted_sessions,
        sum(case when is_returning_visitor then 1 else 0 end) as returning_visitor_sessions,
        sum(case when is_bounce then 1 else 0 end) as bounced_sessions
    from {{ ref('fct_sessions') }}
    group by 1, 2
),

orders as (
    select * from {{ ref('web_fct_orders') }}
),

{% for touch in ['last_touch', 'first_touch'] %}
{{ touch }} as (
    select
        order_date as day,
        {{ touch }}_source as traffic_source,
        count(*) as {{ touch }}_orders,
        sum(case when customer_order_number = 1 then 1 else 0 end)
            as {{ touch }}_new_customer_orders,
        sum(case when net_revenue is null then 1 else 0 end)
            as {{ touch }}_orders_unknown_revenue,
        coalesce(sum(gross_revenue), 0) as {{ touch }}_gross_revenue,
        coalesce(sum(net_revenue), 0) as {{ touch }}_net_revenue
    from orders
    group by 1, 2
),
{% endfor %}

days as (
    select day, traffic_source from sessions
    union
    select day, traffic_source from last_touch
    union
    select day, traffic_source from first_touch
),

sources as (
    select traffic_source, traffic_source_key, channel from {{ ref('dim_traffic_sources') }}
),

-- Whether each day's web events are whole; a day before the first events file is (the
-- sessions that started then, just before the shop's first day, came in that file).
event_days as (
    select file_dt, is_complete from {{ ref('fct_source_days') }}
    where source = 'thelook' and table_name = 'events'
),

first_event_day as (
    select min(file_dt) as first_day from event_days
)

select
    {{ date_key('days.day') }} as date_key,
    days.day,
    cast(coalesce(sources.traffic_source_key, {{ unknown_key() }}) as {{ text_type() }})
        as traffic_source_key,
    cast(days.traffic_source as {{ text_type() }}) as traffic_source,
    cast(coalesce(sources.channel, 'Unknown') as {{ text_type() }}) as channel,
    {%- set complete = 'coalesce(event_days.is_complete, days.day < first_event_day.first_day, false)' %}
    {{ complete }} as is_complete_day,
    {%- for measure in ['sessions', 'converted_sessions', 'returning_visitor_sessions',
                        'bounced_sessions'] %}
    cast(
        case when {{ complete }} then coalesce(sessions.{{ measure }}, 0) end as bigint
    ) as {{ measure }},
    {%- endfor %}
    {%- for touch in ['last_touch', 'first_touch'] %}
    {%- for measure in ['orders', 'new_customer_orders', 'orders_unknown_revenue'] %}
    cast(coalesce({{ touch }}.{{ touch }}_{{ measure }}, 0) as bigint)
        as {{ touch }}_{{ measure }},
    {%- endfor %}
    cast(coalesce({{ touch }}.{{ touch }}_gross_revenue, 0) as decimal(18, 2))
        as {{ touch }}_gross_revenue,
    cast(coalesce({{ touch }}.{{ touch }}_net_revenue, 0) as decimal(18, 2))
        as {{ touch }}_net_revenue{{ ',' if not loop.last }}
    {%- endfor %}
from days
left join sessions
    on sessions.day = days.day and sessions.traffic_source = days.traffic_source
left join last_touch
    on last_touch.day = days.day and last_touch.traffic_source = days.traffic_source
left join first_touch
    on first_touch.day = days.day and first_touch.traffic_source = days.traffic_source
left join sources on sources.traffic_source = days.traffic_source
cross join first_event_day
left join event_days on event_days.file_dt = days.day
