{#- Grain: one order. Gross order value counts every line; net revenue only orders whose
    status is not in `revenue_excluded_statuses`. An order whose lines are not whole (one is
    quarantined, or its day's order lines file is quarantined or has not loaded) is
    incomplete: its units and revenue are unknown (null), never zero, and
    `incomplete_reason` says why. -#}
{{ config(indexes=postgres_indexes([['order_id'], ['order_date'], ['customer_key']])) }}

with orders as (
    select * from {{ ref('stg_retail_db__orders') }}
),

lines as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(line_revenue) as gross_order_value
    from {{ ref('fct_order_items') }}
    group by order_id
),

customers as (
    select * from {{ ref('dim_customers') }} where not is_unknown
),

completeness as (
    select * from {{ ref('int_order_completeness') }}
),

final as (
    select
        orders.order_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        orders.customer_id,
        {{ date_key('orders.ordered_at') }} as order_date_key,
        cast(orders.ordered_at as date) as order_date,
        orders.ordered_at,
        orders.order_status,
        {{ is_net_revenue('orders.order_status') }} as is_net_revenue,
        coalesce(lines.line_count, 0) as line_count,
        -- What the lines loaded so far add up to, whole or not (the reconciliation's view).
        coalesce(lines.gross_order_value, {{ to_money(0) }}) as loaded_line_value,
        completeness.is_complete,
        completeness.incomplete_reason,
        case when completeness.is_complete then coalesce(lines.units, 0) end as units,
        case
            when completeness.is_complete
                then coalesce(lines.gross_order_value, {{ to_money(0) }})
        end as gross_order_value,
        case
            when not completeness.is_complete then null
            when {{ is_net_revenue('orders.order_status') }}
                then coalesce(lines.gross_order_value, {{ to_money(0) }})
            else {{ to_money(0) }}
        end as net_revenue
    from orders
    left join lines on orders.order_id = lines.order_id
    left join customers on orders.customer_id = customers.customer_id
    inner join completeness on orders.order_id = completeness.order_id
)

select * from final
{{ cluster_by('order_date') }}
