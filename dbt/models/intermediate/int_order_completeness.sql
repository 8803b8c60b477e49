{#- Whether each order's lines are whole. An order is incomplete when one of its lines is
    still in the quarantine, or when it has no line at all and the order lines delivered on
    the day the order first arrived are not whole (that day's order_items file is
    quarantined, or none has loaded yet). Its revenue is then unknown, never zero. -#}
with orders as (
    select * from {{ ref('stg_retail_db__orders') }}
),

first_deliveries as (
    select order_id, min(delivered_on) as first_delivered_on
    from {{ ref('stg_retail_db__order_deliveries') }}
    group by order_id
),

line_counts as (
    select order_id, count(*) as line_count
    from {{ ref('stg_retail_db__order_items') }}
    group by order_id
),

line_files_by_day as (
    select
        file_dt,
        sum(case when status = 'loaded' then 1 else 0 end) as files_loaded,
        max(case when is_untrusted then reason end) as untrusted_reason
    from {{ ref('stg_shopsight_ops__file_deliveries') }}
    where source = 'retail_db' and table_name = 'order_items'
    group by file_dt
),

quarantined_lines as (
    select order_id, count(*) as lines_quarantined, min(reason) as reason
    from {{ ref('stg_shopsight_ops__quarantined_order_lines') }}
    where order_id is not null
    group by order_id
),

assessed as (
    select
        orders.order_id,
        case
            when quarantined_lines.order_id is not null
                then 'order lines quarantined: ' || quarantined_lines.reason
            when line_counts.order_id is not null
                then null
            when line_files_by_day.untrusted_reason is not null
                then 'order lines file quarantined: ' || line_files_by_day.untrusted_reason
            when coalesce(line_files_by_day.files_loaded, 0) = 0
                then 'order lines not loaded yet'
        end as incomplete_reason
    from orders
    left join first_deliveries on orders.order_id = first_deliveries.order_id
    left join line_counts on orders.order_id = line_counts.order_id
    left join line_files_by_day on first_deliveries.first_delivered_on = line_files_by_day.file_dt
    left join quarantined_lines on orders.order_id = quarantined_lines.order_id
),

final as (
    select
        order_id,
        incomplete_reason is null as is_complete,
        incomplete_reason
    from assessed
)

select * from final
