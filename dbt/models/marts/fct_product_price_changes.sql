{#- Grain: one list-price change of one product, between two price periods. A price period
    is a run of consecutive product versions at the same list price (a rename or a category
    move is a new version, not a new price). Units count what the daily product-sales mart
    counts (net-revenue order lines) on the days each price was the list price, up to the
    mart's run date. Days run from the period's first day (its first delivery, or an earlier
    first sale) to the next change, or to the run date for the current price.

    Read from the daily mart (one row per product and day), not the order lines: an order
    line's product version is the one valid on its order day, so a version's units are the
    mart's units of its product on the days it was valid, and the table is rebuilt from
    products × days rather than every line ever sold. -#}
with versions as (
    select * from {{ ref('dim_products') }} where not is_unknown
),

daily_sales as {{ not_materialized() }} (
    select * from {{ ref('fct_daily_product_sales') }}
),

sold as (
    select
        versions.product_key,
        sum(daily_sales.units) as units,
        min(case when daily_sales.orders > 0 then daily_sales.sales_date end)
            as first_sale_date
    from versions
    inner join daily_sales
        on daily_sales.product_id = versions.product_id
        and daily_sales.sales_date >= versions.valid_from
        and (versions.valid_to is null or daily_sales.sales_date < versions.valid_to)
    group by versions.product_key
),

run_bounds as (
    {% if var('run_date') -%}
    select cast('{{ var("run_date") }}' as date) as run_date
    {%- else -%}
    select max(sales_date) as run_date from daily_sales
    {%- endif %}
),

marked as (
    select
        versions.*,
        case
            when lag(versions.list_price) over by_version = versions.list_price then 0
            else 1
        end as starts_period
    from versions
    window by_version as (partition by versions.product_id order by versions.valid_from)
),

numbered as (
    select
        *,
        sum(starts_period) over (
            partition by product_id order by valid_from rows unbounded preceding
        ) as period_number
    from marked
),

periods as (
    select
        numbered.product_id,
        numbered.period_number,
        min(numbered.list_price) as price,
        -- The period's first version: the product as it was when the price arrived.
        min(case when numbered.starts_period = 1 then numbered.product_key end) as product_key,
        min(numbered.valid_from) as valid_from,
        min(numbered.first_delivered_on) as first_delivered_on,
        min(sold.first_sale_date) as first_sale_date,
        coalesce(sum(sold.units), 0) as units
    from numbered
    left join sold on numbered.product_key = sold.product_key
    group by numbered.product_id, numbered.period_number
),

bounded as (
    select
        periods.*,
        case
            when periods.first_sale_date < periods.first_delivered_on
                then periods.first_sale_date
            else periods.first_delivered_on
        end as started_on,
        coalesce(
            lead(periods.valid_from) over by_period,
            {{ dbt.dateadd('day', 1, 'run_bounds.run_date') }}
        ) as ended_before
    from periods
    cross join run_bounds
    window by_period as (partition by periods.product_id order by periods.period_number)
),

measured as (
    select
        *,
        case
            when ended_before > started_on
                then {{ dbt.datediff('started_on', 'ended_before', 'day') }}
            else 0
        end as days_at_price
    from bounded
),

final as (
    select
        new_period.product_id,
        new_period.product_key,
        new_period.valid_from as changed_on,
        {{ to_money('old_period.price') }} as old_price,
        {{ to_money('new_period.price') }} as new_price,
        {{ to_money('new_period.price - old_period.price') }} as price_change,
        cast(round(100.0 * (new_period.price - old_period.price) / old_period.price, 2)
            as decimal(9, 2)) as change_pct,
        old_period.days_at_price as days_at_old_price,
        new_period.days_at_price as days_at_new_price,
        old_period.units as units_sold_at_old_price,
        new_period.units as units_sold_at_new_price,
        cast(case when old_period.days_at_price > 0
            then 1.0 * old_period.units / old_period.days_at_price end as decimal(18, 4))
            as units_per_day_at_old_price,
        cast(case when new_period.days_at_price > 0
            then 1.0 * new_period.units / new_period.days_at_price end as decimal(18, 4))
            as units_per_day_at_new_price
    from measured as new_period
    inner join measured as old_period
        on new_period.product_id = old_period.product_id
        and new_period.period_number = old_period.period_number + 1
)

{% call contracted_select() %}
select * from final
{% endcall %}
