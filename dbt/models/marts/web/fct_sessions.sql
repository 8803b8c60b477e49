{{ config(indexes=postgres_indexes([['session_date_key'], ['traffic_source_key']])) }}

{#- Grain: one web session. furthest_step: 1 landed, 2 viewed a product, 3 put it in the
    cart, 4 purchased. The product (and its category) is the first one viewed.
    session_number: the user's 1st, 2nd... session (null when anonymous: a visitor we
    cannot recognise is neither new nor returning); is_returning_visitor: session_number > 1.
    is_bounce: a single event. duration_seconds: first to last event. -#}
with sessions as (
    select * from {{ ref('int_web_sessions') }}
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

select
    sessions.session_id,
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
    case when sessions.user_id is not null then row_number() over (
        partition by sessions.user_id order by sessions.started_at, sessions.session_id
    ) end as session_number,
    case when sessions.user_id is not null then row_number() over (
        partition by sessions.user_id order by sessions.started_at, sessions.session_id
    ) > 1 end as is_returning_visitor,
    sessions.event_count = 1 as is_bounce,
    {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'second') }} as duration_seconds
from sessions
left join users on users.user_id = sessions.user_id
left join products on products.product_id = sessions.product_id
left join sources on sources.traffic_source = sessions.traffic_source
