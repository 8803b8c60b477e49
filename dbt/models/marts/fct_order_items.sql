{#- Grain: one order line. Incremental on order_item_id: each run re-reads the lines loaded,
    or whose order was loaded, after the latest load it has seen (less
    `incremental_lookback_minutes`): late files, status changes, re-admitted rows; every
    built line of a product delivered since, ordered on or after the day the delivery can
    have reshaped its versions from, whose product key is not the version valid on its
    order date (a new, late or out-of-order product delivery, or a product that arrived
    after its lines: macros/products_rekeyed_since.sql); and every line of a customer
    whose first version loaded since (its lines were keyed to the Unknown customer). An
    empty table (a first build before any order line landed) reads everything. -#}
-- depends_on: {{ ref('stg_retail_db__product_versions') }}
-- depends_on: {{ ref('stg_retail_db__customers') }}
-- depends_on: {{ source('retail_db', 'customers_history') }}
{{ config(
    materialized='incremental',
    unique_key='order_item_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    indexes=postgres_indexes([['source_loaded_at'], ['order_item_id'], ['order_date'], ['product_key'], ['customer_key'], ['order_id']]),
    partition_by=spark_partition_by('order_date'),
    pre_hook=["{{ index_landing_for_marts() }}"],
) }}

with order_items as {{ not_materialized() }} (
    select * from {{ ref('stg_retail_db__order_items') }}
),

orders as {{ not_materialized() }} (
    select * from {{ ref('stg_retail_db__orders') }}
),

{% if is_incremental() %}
{%- set watermark = watermark_literal() %}
-- Only a product whose versions were loaded since can have moved a validity window
-- (product history is append-only), and only from the day of its delivery on.
rekeyed_products as (
    {{ products_rekeyed_since(watermark) }}
),

new_customers as (
    {{ customers_first_loaded_since(watermark) }}
),

stale_lines as (
    select built.order_item_id
    from {{ this }} as built
    inner join rekeyed_products
        on built.product_id = rekeyed_products.product_id
        and built.order_date >= rekeyed_products.rekeyed_from
    left join {{ ref('dim_products') }} as products
        on built.product_id = products.product_id
        and not products.is_unknown
        and built.order_date >= products.valid_from
        and (products.valid_to is null or built.order_date < products.valid_to)
    where built.order_date >= {{ earliest_rekeyed_day(watermark) }}
        and built.product_key <> coalesce(products.product_key, {{ unknown_retail_key() }})
    union
    -- A line keyed to the Unknown customer finds its customer when the customer first
    -- loads (macros/customers_first_loaded_since.sql).
    select built.order_item_id
    from {{ this }} as built
    where built.customer_id in (select customer_id from new_customers)
),

-- Three narrow look-ups instead of one OR across a join of every line with its order:
-- each reads one column of the large tables (and skips old row groups by load time).
changed_ids as (
    select order_items.order_item_id
    from order_items
    where order_items.loaded_at >= {{ watermark }}
    union
    select order_items.order_item_id
    from order_items
    where order_items.order_id in (
        select orders.order_id from orders where orders.loaded_at >= {{ watermark }}
    )
    union
    select order_item_id from stale_lines
),

changed_lines as (
    select order_items.*
    from order_items
    where order_items.order_item_id in (select order_item_id from changed_ids)
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
        coalesce(products.product_key, {{ unknown_retail_key() }}) as product_key,
        changed_lines.product_id,
        coalesce(customers.customer_key, {{ unknown_retail_key() }}) as customer_key,
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

{% call contracted_select() %}
select * from joined
{% endcall %}
{{ cluster_by('order_date') }}
