{#- Grain: one order line. Incremental on order_item_id: each run re-reads the lines loaded,
    or whose order was loaded, within `incremental_lookback_days` of the latest load it has
    seen (late files, status changes, re-admitted rows); the lines of products whose price
    history changed other than by a repeat at its end (a new version, a late or out-of-order
    delivery); and the lines that point at the Unknown member or at a product version that
    no longer exists (a dimension row that arrived after its facts). An empty table (a first
    build before any order line landed) reads everything. -#}
{{ config(
    materialized='incremental',
    unique_key='order_item_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    indexes=postgres_indexes([['order_item_id'], ['order_date'], ['product_key'], ['customer_key'], ['order_id']]),
) }}

-- depends_on: {{ ref('int_product_versions') }}
-- depends_on: {{ ref('stg_retail_db__product_versions') }}

with order_items as (
    select * from {{ ref('stg_retail_db__order_items') }}
),

orders as (
    select * from {{ ref('stg_retail_db__orders') }}
),

{% if is_incremental() %}
since as (
    select coalesce(
        {{ dbt.dateadd('day', -var('incremental_lookback_days'), 'max(source_loaded_at)') }},
        cast('1900-01-01' as timestamp)
    ) as loaded_after
    from {{ this }}
),

current_versions as (
    select * from {{ ref('int_product_versions') }} where is_current
),

repriced_products as (
    select distinct deliveries.product_id
    from {{ ref('stg_retail_db__product_versions') }} as deliveries
    cross join since
    left join current_versions
        on deliveries.product_id = current_versions.product_id
    where deliveries.loaded_at > since.loaded_after
        and not (
            deliveries.delivered_on >= current_versions.first_delivered_on
            and deliveries.list_price = current_versions.list_price
            and deliveries.product_name = current_versions.product_name
            and deliveries.category_id = current_versions.category_id
        )
),

unresolved_lines as (
    select built.order_item_id
    from {{ this }} as built
    left join {{ ref('dim_products') }} as products
        on built.product_key = products.product_key
    where built.product_key = {{ unknown_key() }}
        or built.customer_key = {{ unknown_key() }}
        or products.product_key is null
),

changed_lines as (
    select order_items.*
    from order_items
    left join orders on order_items.order_id = orders.order_id
    cross join since
    where order_items.loaded_at > since.loaded_after
        or orders.loaded_at > since.loaded_after
        or order_items.product_id in (select product_id from repriced_products)
        or order_items.order_item_id in (select order_item_id from unresolved_lines)
),
{% else %}
changed_lines as (
    select * from order_items
),
{% endif %}

products as (
    select * from {{ ref('dim_products') }} where not is_unknown
),

customers as (
    select * from {{ ref('dim_customers') }} where not is_unknown
),

joined as (
    select
        changed_lines.order_item_id,
        changed_lines.order_id,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        changed_lines.product_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        orders.customer_id,
        {{ date_key('orders.ordered_at') }} as order_date_key,
        cast(orders.ordered_at as date) as order_date,
        coalesce(
            cast(extract(hour from orders.ordered_at) * 100
                + extract(minute from orders.ordered_at) as integer),
            -1) as order_time_key,
        orders.ordered_at,
        coalesce(orders.order_status, 'UNKNOWN') as order_status,
        {{ is_net_revenue('orders.order_status') }} as is_net_revenue,
        changed_lines.quantity,
        changed_lines.unit_price,
        changed_lines.quantity * changed_lines.unit_price as line_revenue,
        changed_lines.delivered_subtotal,
        case
            when orders.loaded_at > changed_lines.loaded_at then orders.loaded_at
            else changed_lines.loaded_at
        end as source_loaded_at
    from changed_lines
    left join orders on changed_lines.order_id = orders.order_id
    left join products
        on changed_lines.product_id = products.product_id
        and cast(orders.ordered_at as date) >= products.valid_from
        and (products.valid_to is null or cast(orders.ordered_at as date) < products.valid_to)
    left join customers on orders.customer_id = customers.customer_id
)

select * from joined
{{ cluster_by('order_date') }}
