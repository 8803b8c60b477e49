{#- Grain: date × product, dense from the product's first sale to the run date (days
    without sales are rows of zeros). Sales are net-revenue order lines. Every window is a
    fixed number of rows ending on the row's own date, so any day's state reads without a
    filter or group by.

    Incremental by day (docs/decisions/0023): a run rebuilds every day from the first one
    that can have changed to the run date, for every product, and keeps the days before it.
    A day can have changed when a line of it was loaded (or its order was) since the latest
    load the table has seen; when a line can have left it: any version of an order loaded
    since, or of an order any version of a line loaded since named, was placed on it (rows
    leave the lines only by a withdrawal, which rebuilds everything); when its completeness
    changed; or when it is new. The windows go on from the kept days: the running totals
    from the day before the first rebuilt day, the lookback windows over the kept days
    inside them. -#}
-- depends_on: {{ ref('stg_retail_db__orders') }}
-- depends_on: {{ ref('stg_retail_db__order_items') }}
-- depends_on: {{ source('retail_db', 'orders_history') }}
-- depends_on: {{ source('retail_db', 'order_items_history') }}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    materialized='incremental',
    unique_key='sales_date',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    pre_hook=["{{ drop_days_after_run_date(var('run_date')) }}"],
    indexes=postgres_indexes([['source_loaded_at'], ['sales_date', 'product_id'], ['product_id']]),
    partition_by=spark_partition_by('sales_date'),
) }}

with order_lines as {{ not_materialized() }} (
    select * from {{ ref('fct_order_items') }}
    where order_date is not null
),

lines as {{ not_materialized() }} (
    select * from order_lines
    where is_net_revenue
),

incomplete_days as (
    select order_date, count(*) as incomplete_orders
    from {{ ref('fct_orders') }}
    where not is_complete
    group by order_date
),

{% if from_watermark %}
{%- set watermark = watermark_literal() %}

run_bounds as (
    select {{ daily_sales_run_date(ref('fct_order_items'), var('run_date')) }} as run_date
),

built_days as (
    select
        sales_date,
        min(case when is_complete_day then 1 else 0 end) as is_complete
    from {{ this }}
    group by sales_date
),

-- The orders loaded since, and the orders any version of a line loaded since named: a line
-- can only have left a day through one of them (its order re-delivered on another day, or
-- the line re-delivered in another order; rows leave the lines only by a withdrawal, which
-- rebuilds everything).
orders_touched as (
    select orders.order_id
    from {{ ref('stg_retail_db__orders') }} as orders
    where orders.loaded_at >= {{ watermark }}
    union
    {{ orders_of_lines_loaded_since(watermark) }}
),

changed_days as (
    select order_lines.order_date as sales_date
    from order_lines
    where order_lines.source_loaded_at >= {{ watermark }}
    union
    -- Every day any version of a touched order was placed on.
    select cast(cast(order_versions.order_date as timestamp) as date)
    from {{ source('retail_db', 'orders_history') }} as order_versions
    where order_versions.order_id in (select order_id from orders_touched)
    union
    select built_days.sales_date
    from built_days
    left join incomplete_days on built_days.sales_date = incomplete_days.order_date
    where (built_days.is_complete = 1) <> (incomplete_days.order_date is null)
    union
    select cast({{ dbt.dateadd('day', 1, 'max(sales_date)') }} as date) from built_days
),

rebuilt_from as (
    select min(sales_date) as first_day from changed_days
),

-- Each product already selling before the first rebuilt day, as it stood the day before.
carried as (
    select
        built.product_id,
        built.units_to_date,
        cast({{ dbt.dateadd('day', '-built.days_since_last_sale', 'built.sales_date') }} as date)
            as last_sale_date
    from {{ this }} as built
    cross join rebuilt_from
    where built.sales_date = cast({{ dbt.dateadd('day', -1, 'rebuilt_from.first_day') }} as date)
),

-- The kept days inside the lookback window of the first rebuilt day.
kept_days as (
    select built.sales_date, built.product_id, built.units
    from {{ this }} as built
    cross join rebuilt_from
    where built.sales_date < rebuilt_from.first_day
        and built.sales_date >= cast(
            {{ dbt.dateadd('day', 1 - var('stalled_lookback_days'), 'rebuilt_from.first_day') }}
            as date)
),
{% else %}
run_bounds as (
    select {{ daily_sales_run_date(ref('fct_order_items'), var('run_date')) }} as run_date
),

rebuilt_from as (
    select cast(min(order_date) as date) as first_day from lines
),

carried as (
    select cast(null as integer) as product_id, cast(null as bigint) as units_to_date,
        cast(null as date) as last_sale_date
    where 1 = 0
),

kept_days as (
    select cast(null as date) as sales_date, cast(null as integer) as product_id,
        cast(null as bigint) as units
    where 1 = 0
),
{% endif %}

daily as (
    select
        lines.order_date as sales_date,
        lines.product_id,
        sum(lines.quantity) as units,
        sum(lines.line_revenue) as revenue,
        count(distinct lines.order_id) as orders,
        max(lines.source_loaded_at) as source_loaded_at
    from lines
    cross join rebuilt_from
    where lines.order_date >= rebuilt_from.first_day
    group by lines.order_date, lines.product_id
),

selling_life as (
    select carried.product_id, rebuilt_from.first_day as first_sale_date
    from carried cross join rebuilt_from
    union all
    select product_id, min(sales_date) as first_sale_date
    from daily
    where product_id not in (select product_id from carried)
    group by product_id
),

grid as (
    select
        dates.date_day as sales_date,
        selling_life.product_id
    from selling_life
    cross join run_bounds
    inner join {{ ref('dim_date') }} as dates
        on dates.date_day >= selling_life.first_sale_date
        and dates.date_day <= run_bounds.run_date
),

dense as (
    select
        grid.sales_date,
        grid.product_id,
        false as is_kept,
        coalesce(daily.units, 0) as units,
        coalesce(daily.revenue, {{ to_money(0) }}) as revenue,
        coalesce(daily.orders, 0) as orders,
        daily.source_loaded_at
    from grid
    left join daily
        on grid.product_id = daily.product_id and grid.sales_date = daily.sales_date
    union all
    select
        sales_date,
        product_id,
        true as is_kept,
        units,
        {{ to_money(0) }} as revenue,
        0 as orders,
        cast(null as timestamp) as source_loaded_at
    from kept_days
),

flagged as (
    select
        *,
        case when units > 0 then 1 else 0 end as has_sales,
        case when units > 0 and not is_kept then sales_date end as sale_date_or_null,
        case when is_kept then 0 else units end as new_units
    from dense
),

windowed as (
    select
        *,
        sum(new_units) over to_date as units_since_rebuilt,
        sum(has_sales) over (
            partition by product_id order by sales_date
            rows between {{ var('stalled_lookback_days') - 1 }} preceding and current row
        ) as selling_days_in_lookback,
        sum(has_sales) over (
            partition by product_id order by sales_date
            rows between {{ var('stalled_quiet_days') - 1 }} preceding and current row
        ) as selling_days_in_quiet_window,
        max(sale_date_or_null) over to_date as last_sale_since_rebuilt
    from flagged
    window to_date as (
        partition by product_id order by sales_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        {{ date_key('windowed.sales_date') }} as sales_date_key,
        windowed.sales_date,
        windowed.product_id,
        windowed.units,
        windowed.revenue,
        windowed.orders,
        coalesce(carried.units_to_date, 0) + windowed.units_since_rebuilt as units_to_date,
        windowed.selling_days_in_lookback,
        {{ dbt.datediff(
            'coalesce(windowed.last_sale_since_rebuilt, carried.last_sale_date)',
            'windowed.sales_date', 'day') }} as days_since_last_sale,
        windowed.selling_days_in_lookback > {{ var('stalled_min_selling_days') }}
            and windowed.selling_days_in_quiet_window = 0 as is_stalled,
        -- False when some order of the day has unknown revenue (its lines are not whole):
        -- the day's units and revenue are then a lower bound, not the day's figures.
        incomplete_days.order_date is null as is_complete_day,
        -- Every row a run writes carries the latest load it read: the next run's
        -- watermark, and what a daily test scoped to the new loads looks at.
        max(windowed.source_loaded_at) over () as source_loaded_at
    from windowed
    left join carried on windowed.product_id = carried.product_id
    left join incomplete_days on windowed.sales_date = incomplete_days.order_date
    where not windowed.is_kept
)

{% call contracted_select() %}
select * from final
{% endcall %}
{{ cluster_by('sales_date') }}
