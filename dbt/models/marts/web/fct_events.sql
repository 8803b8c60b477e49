-- depends_on: {{ ref('stg_thelook__events') }}
-- depends_on: {{ ref('stg_thelook__users') }}
-- depends_on: {{ ref('stg_thelook__products') }}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['event_date_key'], ['event_id']]),
) }}

{#- Grain: one web event. Anonymous events point at the unknown user. The product: the one a
    product page names, or for a cart, purchase or cancel event the product last viewed before
    it in its session (product_from_session); home and department events, and an action
    before any product view, point at the unknown product.
    Incremental by whole session: a run rebuilds every event of the sessions in scope
    (macros/web_sessions_in_scope.sql), so an event that arrives late still carries the
    product its session viewed before it. The rebuilt events replace their built rows by
    event id (delete+insert on event_id). Every built row of a rebuilt session is one of
    its events, rebuilt with the same id (a withdrawal rebuilds the table whole), so this
    deletes what deleting by session did, and an event loaded again into another session
    is replaced too. On DuckDB the delete then compares integers, and skips the row groups
    whose ids lie outside the day's, instead of hashing 24 M session ids (decision 0046). -#}
with
{% if from_watermark %}
{%- set loaded_after = watermark_literal() %}
in_scope as ({{ web_sessions_in_scope(loaded_after) }}),
{% endif %}

-- Whole sessions parsed after the scope is applied, so the per-session windows run over
-- the sessions in scope only (macros/web_events_parsed.sql).
events as (
    {% if from_watermark %}
    {{ web_events_parsed(
        "select * from " ~ ref('stg_thelook__events')
        ~ " where session_id in (select session_id from in_scope)") }}
    {% else %}
    select * from {{ ref('int_web_events_parsed') }}
    {% endif %}
),

users as (
    select user_id, user_key from {{ ref('dim_users') }} where not is_unknown
),

products as (
    select product_id, product_key from {{ ref('web_dim_products') }} where not is_unknown
),

sources as (
    select traffic_source, traffic_source_key from {{ ref('dim_traffic_sources') }}
)

{% call contracted_select() %}
select
    events.event_id,
    events.session_id,
    events.sequence_number,
    events.event_type,
    events.uri,
    coalesce(users.user_key, {{ unknown_key() }}) as user_key,
    coalesce(products.product_key, {{ unknown_key() }}) as product_key,
    coalesce(sources.traffic_source_key, {{ unknown_key() }}) as traffic_source_key,
    {{ date_key('events.occurred_at') }} as event_date_key,
    events.occurred_at,
    events.browser,
    events.city,
    events.state,
    events.uri_department,
    events.uri_category,
    events.uri_brand,
    events.user_id is null as is_anonymous,
    events.uri_product_id is null and events.product_id is not null as product_from_session,
    events.loaded_at as source_loaded_at
from events
left join users on users.user_id = events.user_id
left join products on products.product_id = events.product_id
left join sources on sources.traffic_source = events.traffic_source
{% endcall %}
{{ cluster_by('event_date_key') }}
