{#- Each event with what its URI says: /product/<id> names a product; 
    /department/<dept>/category/<category>/brand/<brand> a department page (slugs:
    lower case, spaces removed). Split with dbt's portable split_part. -#}
with events as (
    select * from {{ ref('stg_thelook__events') }}
)

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
