{#- One row per web session: where it started, how far down the funnel it went, and the
    product it was about (the first product viewed). A session's traffic source, user,
    browser and place (state, city) are those of its first event.
    Incremental by whole session (docs/decisions/0025): a run rebuilds, from all their
    events, the sessions with an event loaded at or after the latest load it has seen
    (`loaded_at`, less `incremental_lookback_minutes`); every column comes from the
    session's own events, so no other session can have changed. Built once per build, it
    is read by fct_sessions, the attribution and the cohorts. -#}
-- depends_on: {{ ref('stg_thelook__events') }}
{% set from_watermark = incremental_from_watermark('loaded_at') %}
{{ config(
    materialized='incremental',
    unique_key='session_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with
{% if from_watermark %}
scope as (
    select session_id from {{ ref('stg_thelook__events') }}
    where loaded_at >= ({{ loaded_after_watermark('loaded_at') }})
),
{% endif %}

events as {{ not_materialized() }} (
    {% if from_watermark %}
    {{ web_events_parsed(
        "select * from " ~ ref('stg_thelook__events')
        ~ " where session_id in (select session_id from scope)") }}
    {% else %}
    select * from {{ ref('int_web_events_parsed') }}
    {% endif %}
),

first_event as (
    select session_id, user_id, traffic_source, browser, uri as landing_page,
        event_type as landing_event_type, state, city
    from (
        select *, row_number() over (
            partition by session_id order by sequence_number, event_id
        ) as position
        from events
    ) ordered
    where position = 1
),

first_product as (
    select session_id, uri_product_id as product_id
    from (
        select session_id, uri_product_id, row_number() over (
            partition by session_id order by sequence_number, event_id
        ) as position
        from events
        where uri_product_id is not null
    ) viewed
    where position = 1
),

steps as (
    select
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(loaded_at) as loaded_at,
        count(*) as event_count,
        sum(case when event_type = 'department' then 1 else 0 end) as department_views,
        sum(case when event_type = 'product' then 1 else 0 end) as product_views,
        sum(case when event_type = 'cart' then 1 else 0 end) as carts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
        sum(case when event_type = 'cancel' then 1 else 0 end) as cancels
    from events
    group by session_id
)

select
    steps.session_id,
    first_event.user_id,
    first_event.traffic_source,
    first_event.browser,
    first_event.landing_page,
    first_event.landing_event_type,
    first_event.state,
    first_event.city,
    first_product.product_id,
    steps.started_at,
    steps.ended_at,
    steps.loaded_at,
    steps.event_count,
    steps.department_views,
    steps.product_views,
    steps.carts,
    steps.purchases,
    steps.cancels,
    {#- The furthest step reached: a session that bought went through the cart, one that
        carted saw a product, even if one of those events was quarantined. -#}
    case
        when steps.purchases > 0 then 4
        when steps.carts > 0 then 3
        when steps.product_views > 0 then 2
        else 1
    end as furthest_step
from steps
inner join first_event on first_event.session_id = steps.session_id
left join first_product on first_product.session_id = steps.session_id
