{#- The parsed web events (what each URI says, and the product each event is about: see
    models/intermediate/web/int_web_events_parsed.sql) of the staged events `events_sql`
    selects. Every window is per session, so a select of whole sessions gives each of their
    events exactly what the whole table would: fct_events and int_web_sessions parse only
    the sessions an incremental run rebuilds, before the windows run, where a filter on the
    view would reach them only after the windows ran over every event. -#}
{% macro web_events_parsed(events_sql) %}
with events as (
    {{ events_sql }}
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
)

{{ adapter.dispatch('web_events_with_products', 'shopsight')() }}
{% endmacro %}

{#- The product each event is about, from the parsed events above: portable, without
    IGNORE NULLS (PostgreSQL lacks it), the running count of product views numbers the
    stretch each view opens, and the stretch's one view names the product. Two windows,
    so two sorts of the events. -#}
{% macro default__web_events_with_products() %}
, stretches as (
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
{% endmacro %}

{#- The same on DuckDB in one window: the last product viewed at or before the event. -#}
{% macro duckdb__web_events_with_products() %}
select
    parsed.*,
    case
        when uri_product_id is not null then uri_product_id
        when event_type in ('cart', 'purchase', 'cancel') then last_value(
            uri_product_id ignore nulls
        ) over (
            partition by session_id order by sequence_number, event_id
            rows between unbounded preceding and current row
        )
    end as product_id
from parsed
{% endmacro %}
