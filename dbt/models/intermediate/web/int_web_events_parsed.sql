{{ config(materialized='view') }}

{#- Each event with what its URI says: /product/<id> names a product; 
    /department/<dept>/category/<category>/brand/<brand> a department page (slugs:
    lower case, spaces removed). Split with dbt's portable split_part.
    product_id: the product the event is about. A product page names it; a cart, purchase or
    cancel event carries the product last viewed before it in its session (by sequence
    number), since its URI names none; other events, or an action before any product view,
    have none. Portable without IGNORE NULLS (PostgreSQL lacks it): the running count of
    product views numbers the stretch each view opens. A view: fct_events reads only the
    sessions an incremental run rebuilds (whole sessions, so the windows stay exact). -#}
with events as (
    select * from {{ ref('stg_thelook__events') }}
),

parsed as (
    select
        events.*,
        case when uri like '/product/%'
            then cast({{ dbt.split_part('uri', "'/'", 3) }} as integer)
        end as uri_product_id,
        case when uri like '/department/%' then {{ dbt.split_part('uri', "'/'", 3) }} end
            as uri_department,
        case when uri like '/department/%' then {{ dbt.split_part('uri', "'/'", 5) }} end
            as uri_category,
        case when uri like '/department/%' then {{ dbt.split_part('uri', "'/'", 7) }} end
            as uri_brand
    from events
),

stretches as (
    select
        parsed.*,
        count(uri_product_id) over (
            partition by session_id order by sequence_number, event_id
            rows between unbounded preceding and current row
        ) as product_stretch
    from parsed
)

select
    stretches.*,
    case
        when uri_product_id is not null then uri_product_id
        when event_type in ('cart', 'purchase', 'cancel') then max(uri_product_id) over (
            partition by session_id, product_stretch
        )
    end as product_id
from stretches
