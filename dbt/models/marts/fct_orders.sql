{#- Grain: one order. Gross order value counts every line; net revenue only orders whose
    status is not in `revenue_excluded_statuses`. An order whose lines are not whole is
    incomplete: its units and revenue are unknown (null), never zero, and
    `incomplete_reason` says why: one of its lines is still in the quarantine, or it has no
    line at all and the order lines delivered on the day the order first arrived are not
    whole (that day's order_items file is quarantined, or none has loaded yet). When a person
    accepted the file those lines were in (`shopsight quarantine accept`), the order stays
    incomplete and `is_loss_accepted` says the gap is known and owned: it keeps no run red.

    Incremental on order_id (docs/decisions/0011): each run rebuilds the orders with a row
    or a line loaded after the latest load it has seen (less
    `incremental_lookback_minutes`), the orders a line loaded since was in before, and every order whose completeness or customer the
    operational records can have changed since: the built orders still incomplete, those
    of a customer first loaded since (keyed to the Unknown customer until then), the
    orders named by a quarantined line, and the orders first delivered on a day whose
    order lines file is untrusted. An empty table reads everything, and so does a table
    built before `source_loaded_at` existed. -#}
-- depends_on: {{ ref('stg_retail_db__customers') }}
-- depends_on: {{ source('retail_db', 'customers_history') }}
-- depends_on: {{ source('retail_db', 'order_items_history') }}
{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['order_id'], ['order_date'], ['customer_key']]),
    partition_by=spark_partition_by('order_date'),
) }}

with deliveries as {{ not_materialized() }} (
    select * from {{ ref('stg_retail_db__order_deliveries') }}
),

order_items as {{ not_materialized() }} (
    select * from {{ ref('stg_retail_db__order_items') }}
),

line_files_by_day as (
    select
        file_dt,
        sum(case when status = 'loaded' then 1 else 0 end) as files_loaded,
        max(case when is_untrusted then reason end) as untrusted_reason,
        max(case when is_accepted then reason end) as accepted_reason
    from {{ ref('stg_shopsight_ops__file_deliveries') }}
    where source = 'retail_db' and table_name = 'order_items'
    group by file_dt
),

quarantined_lines as (
    select
        order_id,
        count(*) as lines_quarantined,
        min(reason) as reason,
        min(case when is_accepted then 1 else 0 end) = 1 as is_accepted
    from {{ ref('stg_shopsight_ops__quarantined_order_lines') }}
    where order_id is not null
    group by order_id
),

{% if incremental_from_watermark() %}
{%- set watermark = watermark_literal() %}
-- Loads only add rows and are stamped in order, so what changed since the last build was
-- loaded after its latest load; the operational records are few and read whole.
scope as (
    select deliveries.order_id from deliveries
    where deliveries.loaded_at >= {{ watermark }}
    union
    select order_items.order_id from order_items
    where order_items.loaded_at >= {{ watermark }}
    union
    -- and the order a line re-delivered in another order left
    {{ orders_of_lines_loaded_since(watermark) }}
    union
    select order_id from {{ this }} where not is_complete
    union
    -- An order keyed to the Unknown customer finds it when the customer first loads.
    select order_id from {{ this }}
    where customer_id in (
        {{ customers_first_loaded_since(watermark) }}
    )
    union
    select order_id from quarantined_lines
    union
    select deliveries.order_id from deliveries
    inner join line_files_by_day on deliveries.delivered_on = line_files_by_day.file_dt
    where line_files_by_day.untrusted_reason is not null
),
{% set in_scope = 'order_id in (select order_id from scope)' %}
{% else %}
{% set in_scope = 'true' %}
{% endif %}

orders as (
    select * from {{ ref('stg_retail_db__orders') }} where {{ in_scope }}
),

first_deliveries as (
    select order_id, min(delivered_on) as first_delivered_on, max(loaded_at) as loaded_at
    from deliveries
    where {{ in_scope }}
    group by order_id
),

-- Every landed line is in fct_order_items (incremental, proven equal to a full build), so
-- one aggregate over it serves the sums and the completeness: a second one over the staged
-- lines made the full build run out of DuckDB's 4 GB at 30 M orders.
lines as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(line_revenue) as gross_order_value,
        max(source_loaded_at) as loaded_at
    from {{ ref('fct_order_items') }}
    where {{ in_scope }}
    group by order_id
),

customers as (
    select * from {{ ref('dim_customers') }} where not is_unknown
),

-- Every input joined once: DuckDB keeps a CTE read twice in memory whole (it cannot spill),
-- which stopped the full build at 3 M orders under a 1 GB limit.
joined as (
    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_status,
        customers.customer_key,
        lines.order_id is not null as has_lines,
        lines.line_count,
        lines.units,
        lines.gross_order_value,
        lines.loaded_at as lines_loaded_at,
        first_deliveries.loaded_at as delivered_loaded_at,
        line_files_by_day.files_loaded,
        line_files_by_day.untrusted_reason,
        line_files_by_day.accepted_reason,
        quarantined_lines.order_id is not null as has_quarantined_lines,
        quarantined_lines.is_accepted as quarantined_lines_accepted,
        quarantined_lines.reason as quarantined_reason
    from orders
    left join first_deliveries on orders.order_id = first_deliveries.order_id
    left join lines on orders.order_id = lines.order_id
    left join line_files_by_day on first_deliveries.first_delivered_on = line_files_by_day.file_dt
    left join quarantined_lines on orders.order_id = quarantined_lines.order_id
    left join customers on orders.customer_id = customers.customer_id
),

completeness as (
    select
        *,
        case
            when quarantined_lines_accepted
                then 'order lines quarantined, accepted as lost: ' || quarantined_reason
            when has_quarantined_lines
                then 'order lines quarantined: ' || quarantined_reason
            when has_lines
                then null
            when untrusted_reason is not null
                then 'order lines file quarantined: ' || untrusted_reason
            when coalesce(files_loaded, 0) = 0
                and accepted_reason is not null
                then 'order lines file accepted as lost: ' || accepted_reason
            when coalesce(files_loaded, 0) = 0
                then 'order lines not loaded yet'
        end as incomplete_reason,
        coalesce(quarantined_lines_accepted, false)
            or (
                not has_quarantined_lines
                and not has_lines
                and untrusted_reason is null
                and coalesce(files_loaded, 0) = 0
                and accepted_reason is not null
            ) as is_loss_accepted,
        case
            when lines_loaded_at > delivered_loaded_at then lines_loaded_at
            else coalesce(delivered_loaded_at, lines_loaded_at)
        end as source_loaded_at
    from joined
),

final as (
    select
        order_id,
        coalesce(customer_key, {{ unknown_retail_key() }}) as customer_key,
        customer_id,
        {{ date_key('ordered_at') }} as order_date_key,
        cast(ordered_at as date) as order_date,
        ordered_at,
        order_status,
        {{ is_net_revenue('order_status') }} as is_net_revenue,
        coalesce(line_count, 0) as line_count,
        -- What the lines loaded so far add up to, whole or not (the reconciliation's view).
        coalesce(gross_order_value, {{ to_money(0) }}) as loaded_line_value,
        incomplete_reason is null as is_complete,
        incomplete_reason,
        is_loss_accepted,
        case
            when incomplete_reason is null then coalesce(units, 0)
        end as units,
        case
            when incomplete_reason is null
                then coalesce(gross_order_value, {{ to_money(0) }})
        end as gross_order_value,
        case
            when incomplete_reason is not null then null
            when {{ is_net_revenue('order_status') }}
                then coalesce(gross_order_value, {{ to_money(0) }})
            else {{ to_money(0) }}
        end as net_revenue,
        source_loaded_at
    from completeness
)

{% call contracted_select() %}
select * from final
{% endcall %}
{{ cluster_by('order_date') }}
