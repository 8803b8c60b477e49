{#- Grain: date × product, dense from the product's first sale to the run date (days
    without sales are rows of zeros). Sales are net-revenue order lines. Every window is a
    fixed number of rows ending on the row's own date, so any day's state reads without a
    filter or group by. -#}
{{ config(indexes=postgres_indexes([['sales_date', 'product_id'], ['product_id']])) }}

with lines as (
    select * from {{ ref('fct_order_items') }}
    where is_net_revenue and order_date is not null
),

daily as (
    select
        order_date as sales_date,
        product_id,
        sum(quantity) as units,
        sum(line_revenue) as revenue,
        count(distinct order_id) as orders
    from lines
    group by order_date, product_id
),

incomplete_days as (
    select order_date, count(*) as incomplete_orders
    from {{ ref('fct_orders') }}
    where not is_complete
    group by order_date
),

run_bounds as (
    {% if var('run_date') -%}
    select cast('{{ var("run_date") }}' as date) as run_date
    {%- else -%}
    select max(sales_date) as run_date from daily
    {%- endif %}
),

selling_life as (
    select product_id, min(sales_date) as first_sale_date
    from daily
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
        coalesce(daily.units, 0) as units,
        coalesce(daily.revenue, {{ to_money(0) }}) as revenue,
        coalesce(daily.orders, 0) as orders,
        case when daily.units > 0 then 1 else 0 end as has_sales,
        case when daily.units > 0 then grid.sales_date end as sale_date_or_null
    from grid
    left join daily
        on grid.product_id = daily.product_id and grid.sales_date = daily.sales_date
),

windowed as (
    select
        *,
        sum(units) over to_date as units_to_date,
        sum(has_sales) over (
            partition by product_id order by sales_date
            rows between {{ var('stalled_lookback_days') - 1 }} preceding and current row
        ) as selling_days_in_lookback,
        sum(has_sales) over (
            partition by product_id order by sales_date
            rows between {{ var('stalled_quiet_days') - 1 }} preceding and current row
        ) as selling_days_in_quiet_window,
        max(sale_date_or_null) over to_date as last_sale_date
    from dense
    window to_date as (
        partition by product_id order by sales_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        {{ date_key('sales_date') }} as sales_date_key,
        sales_date,
        product_id,
        units,
        revenue,
        orders,
        units_to_date,
        selling_days_in_lookback,
        {{ dbt.datediff('last_sale_date', 'sales_date', 'day') }} as days_since_last_sale,
        selling_days_in_lookback > {{ var('stalled_min_selling_days') }}
            and selling_days_in_quiet_window = 0 as is_stalled,
        -- False when some order of the day has unknown revenue (its lines are not whole):
        -- the day's units and revenue are then a lower bound, not the day's figures.
        incomplete_days.order_date is null as is_complete_day
    from windowed
    left join incomplete_days on windowed.sales_date = incomplete_days.order_date
)

{% call contracted_select() %}
select * from final
{% endcall %}
{{ cluster_by('sales_date') }}
