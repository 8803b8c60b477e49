{#- The case study's question answered straight from the order lines, independently of the
    marts: as of one day (var run_date, default the last order day), the products sold on
    more than 30 of the last 60 days but on none of the last 7. A test checks this returns
    exactly fct_daily_product_sales's is_stalled rows for that day. -#}
with lines as (
    select
        items.product_id,
        cast(orders.ordered_at as date) as sold_on,
        items.quantity
    from {{ ref('stg_retail_db__order_items') }} as items
    inner join {{ ref('stg_retail_db__orders') }} as orders
        on items.order_id = orders.order_id
    where {{ is_net_revenue('orders.order_status') }}
),

as_of as (
    {% if var('run_date') -%}
    select cast('{{ var("run_date") }}' as date) as as_of_date
    {%- else -%}
    select max(sold_on) as as_of_date from lines
    {%- endif %}
),

per_product as (
    select
        as_of.as_of_date,
        lines.product_id,
        sum(lines.quantity) as total_items_sold_to_date,
        count(distinct case
            when lines.sold_on > {{ dbt.dateadd('day', -var('stalled_lookback_days'), 'as_of.as_of_date') }}
                then lines.sold_on
        end) as days_with_sales,
        max(lines.sold_on) as last_sale_date
    from lines
    cross join as_of
    where lines.sold_on <= as_of.as_of_date
    group by as_of.as_of_date, lines.product_id
)

select
    as_of_date as sales_date,
    product_id,
    total_items_sold_to_date,
    days_with_sales,
    {{ dbt.datediff('last_sale_date', 'as_of_date', 'day') }} as days_since_sales_ceased
from per_product
where days_with_sales > {{ var('stalled_min_selling_days') }}
    and last_sale_date <= {{ dbt.dateadd('day', -var('stalled_quiet_days'), 'as_of_date') }}
order by product_id
