{#- One row per session of the parsed events `events` names: what its first event says
    (user, traffic source, browser, landing page, place), the first product it viewed, when
    it started and ended, and its counts of each kind of event. "First" is by sequence
    number, then event id. -#}
{% macro web_session_summary(events) %}
    {{ return(adapter.dispatch('web_session_summary', 'shopsight')(events)) }}
{% endmacro %}

{#- Portable: the first event and the first product view numbered by two windows, the
    counts by one aggregate, joined by session. -#}
{% macro default__web_session_summary(events) %}
with first_event as (
    select session_id, user_id, traffic_source, browser, uri as landing_page,
        event_type as landing_event_type, state, city
    from (
        select *, row_number() over (
            partition by session_id order by sequence_number, event_id
        ) as position
        from {{ events }}
    ) ordered
    where position = 1
),

first_product as (
    select session_id, uri_product_id as product_id
    from (
        select session_id, uri_product_id, row_number() over (
            partition by session_id order by sequence_number, event_id
        ) as position
        from {{ events }}
        where uri_product_id is not null
    ) viewed
    where position = 1
),

steps as (
    select
        session_id,
        {{ web_session_counts() }}
    from {{ events }}
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
    steps.cancels
from steps
inner join first_event on first_event.session_id = steps.session_id
left join first_product on first_product.session_id = steps.session_id
{% endmacro %}

{#- DuckDB: one aggregate, no sort. `arg_min_null` keeps the first event's values even
    when they are null (an anonymous first event has no user); `arg_min` skips the events
    that view no product, so it gives the first product viewed. -#}
{% macro duckdb__web_session_summary(events) %}
with steps as (
    select
        session_id,
        arg_min_null(
            {
                'user_id': user_id, 'traffic_source': traffic_source, 'browser': browser,
                'landing_page': uri, 'landing_event_type': event_type, 'state': state,
                'city': city
            },
            (sequence_number, event_id)
        ) as first_event,
        arg_min(uri_product_id, (sequence_number, event_id)) as product_id,
        {{ web_session_counts() }}
    from {{ events }}
    group by session_id
)

-- The struct's fields in its order: the columns of the portable version, in theirs.
select session_id, first_event.*, * exclude (session_id, first_event)
from steps
{% endmacro %}

{#- When a session started and ended, its latest load, and its events of each kind. -#}
{% macro web_session_counts() %}
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(loaded_at) as loaded_at,
        count(*) as event_count,
        sum(case when event_type = 'department' then 1 else 0 end) as department_views,
        sum(case when event_type = 'product' then 1 else 0 end) as product_views,
        sum(case when event_type = 'cart' then 1 else 0 end) as carts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
        sum(case when event_type = 'cancel' then 1 else 0 end) as cancels
{%- endmacro %}
