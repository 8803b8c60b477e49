-- depends_on: {{ ref('stg_thelook__events') }}
-- depends_on: {{ ref('int_web_events_parsed') }}
-- depends_on: {{ ref('stg_thelook__users') }}
-- depends_on: {{ ref('stg_thelook__products') }}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    materialized='incremental',
    unique_key='session_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['session_date_key'], ['traffic_source_key']]),
) }}

{#- Grain: one web session. furthest_step: 1 landed, 2 viewed a product, 3 put it in the
    cart, 4 purchased. The product (and its category) is the first one viewed.
    session_number: the user's 1st, 2nd... session (null when anonymous: a visitor we
    cannot recognise is neither new nor returning); is_returning_visitor: session_number > 1.
    is_bounce: a single event. duration_seconds: first to last event.
    Incremental: a run rebuilds the sessions in scope (macros/web_sessions_in_scope.sql)
    and, since a late session renumbers its user's later ones, every session of their
    users (old and new: a session whose first event changed user leaves its old user) that
    started at or after the earliest of them; numbers count all the user's sessions. -#}
with
{% if from_watermark %}
{%- set loaded_after = watermark_literal() %}
in_scope as ({{ web_sessions_in_scope(loaded_after) }}),

-- Per user, the earliest start (new or built) of a session in scope: later sessions
-- are renumbered.
renumbered_from as (
    select changed.user_id, min(changed.started_at) as started_from
    from (
        select sessions.user_id, sessions.started_at
        from {{ ref('int_web_sessions') }} as sessions
        inner join in_scope on in_scope.session_id = sessions.session_id
        where sessions.user_id is not null
        union all
        select built.user_id, built.started_at
        from {{ this }} as built
        inner join in_scope on in_scope.session_id = built.session_id
        where built.user_id is not null
    ) as changed
    group by changed.user_id
),
{% endif %}

-- The sessions to build with every session of their users before them, to number them.
user_sessions as (
    select * from {{ ref('int_web_sessions') }}
    {% if from_watermark %}
    where session_id in (select session_id from in_scope)
        or user_id in (select user_id from renumbered_from)
    {% endif %}
),

numbered as (
    select
        session_id,
        row_number() over (partition by user_id order by started_at, session_id)
            as session_number
    from user_sessions
    where user_id is not null
),

sessions as (
    select user_sessions.*, numbered.session_number
    from user_sessions
    left join numbered on numbered.session_id = user_sessions.session_id
    {% if from_watermark %}
    left join renumbered_from on renumbered_from.user_id = user_sessions.user_id
    where user_sessions.session_id in (select session_id from in_scope)
        or user_sessions.started_at >= renumbered_from.started_from
    {% endif %}
),

users as (
    select user_id, user_key from {{ ref('dim_users') }} where not is_unknown
),

products as (
    select product_id, product_key, category from {{ ref('web_dim_products') }}
    where not is_unknown
),

sources as (
    select traffic_source, traffic_source_key from {{ ref('dim_traffic_sources') }}
)

{% call contracted_select() %}
select
    sessions.session_id,
    sessions.user_id,
    coalesce(users.user_key, {{ unknown_key() }}) as user_key,
    coalesce(sources.traffic_source_key, {{ unknown_key() }}) as traffic_source_key,
    coalesce(products.product_key, {{ unknown_key() }}) as product_key,
    {{ date_key('sessions.started_at') }} as session_date_key,
    cast(sessions.started_at as date) as session_date,
    sessions.traffic_source,
    coalesce(products.category, 'No product viewed') as product_category,
    sessions.browser,
    sessions.state,
    sessions.city,
    cast(extract(hour from sessions.started_at) as integer) as start_hour,
    sessions.landing_page,
    sessions.landing_event_type,
    sessions.started_at,
    sessions.ended_at,
    sessions.event_count,
    sessions.department_views,
    sessions.product_views,
    sessions.carts,
    sessions.purchases,
    sessions.cancels,
    sessions.furthest_step,
    sessions.furthest_step >= 2 as reached_product,
    sessions.furthest_step >= 3 as reached_cart,
    sessions.furthest_step = 4 as converted,
    sessions.furthest_step = 3 as cart_abandoned,
    sessions.user_id is null as is_anonymous,
    sessions.session_number,
    sessions.session_number > 1 as is_returning_visitor,
    sessions.event_count = 1 as is_bounce,
    {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'second') }} as duration_seconds,
    sessions.loaded_at as source_loaded_at
from sessions
left join users on users.user_id = sessions.user_id
left join products on products.product_id = sessions.product_id
left join sources on sources.traffic_source = sessions.traffic_source
{% endcall %}
