{#- One row per web session: where it started, how far down the funnel it went, and the
    product it was about (the first product viewed). A session's traffic source, user,
    browser and place (state, city) are those of its first event.
    Incremental by whole session (docs/decisions/0025): a run rebuilds, from all their
    events, the sessions with an event loaded after the latest load it has seen
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
    where loaded_at >= {{ watermark_literal('loaded_at') }}
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

sessions as (
    {{ web_session_summary('events') }}
)

select
    sessions.*,
    {#- The furthest step reached: a session that bought went through the cart, one that
        carted saw a product, even if one of those events was quarantined. -#}
    case
        when sessions.purchases > 0 then 4
        when sessions.carts > 0 then 3
        when sessions.product_views > 0 then 2
        else 1
    end as furthest_step
from sessions
