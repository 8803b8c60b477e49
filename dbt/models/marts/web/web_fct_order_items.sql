-- depends_on: {{ ref('stg_thelook__products') }}
-- depends_on: {{ ref('stg_thelook__distribution_centers') }}
-- depends_on: {{ ref('stg_thelook__users') }}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    alias='fct_order_items',
    materialized='incremental',
    unique_key='order_item_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['order_item_id'], ['order_date_key'], ['product_key']]),
) }}

{#- Grain: one web-shop order item, in its latest state. margin = sale_price - unit cost of
    the unit sold (its inventory item), or of the product when the unit is unknown.
    Incremental by item (docs/decisions/0027): a run rebuilds the items loaded after
    the latest item load it has seen (less `incremental_lookback_minutes`) and the items
    whose order, unit, user, product or product's distribution center was loaded since:
    each column comes from exactly those rows. -#}
with
{% if from_watermark %}
{%- set loaded_after = watermark_literal() %}
products_since as (
    select product_id from {{ ref('stg_thelook__products') }}
    where loaded_at >= {{ loaded_after }}
    union
    select products.product_id from {{ ref('stg_thelook__products') }} as products
    inner join {{ ref('stg_thelook__distribution_centers') }} as centers
        on centers.distribution_center_id = products.distribution_center_id
    where centers.loaded_at >= {{ loaded_after }}
),
{% endif %}

items as (
    select * from {{ ref('stg_thelook__order_items') }}
    {% if from_watermark %}
    where loaded_at >= {{ loaded_after }}
        or order_id in (
            select order_id from {{ ref('stg_thelook__orders') }}
            where loaded_at >= {{ loaded_after }}
        )
        or inventory_item_id in (
            select inventory_item_id from {{ ref('stg_thelook__inventory_items') }}
            where loaded_at >= {{ loaded_after }}
        )
        or user_id in (
            select user_id from {{ ref('stg_thelook__users') }}
            where loaded_at >= {{ loaded_after }}
        )
        or product_id in (select product_id from products_since)
    {% endif %}
),

orders as (
    select * from {{ ref('stg_thelook__orders') }}
),

inventory as (
    select * from {{ ref('stg_thelook__inventory_items') }}
),

users as (
    select user_id, user_key from {{ ref('dim_users') }} where not is_unknown
),

products as (
    select product_id, product_key, unit_cost, distribution_center_key
    from {{ ref('web_dim_products') }} where not is_unknown
)

{% call contracted_select() %}
select
    items.order_item_id,
    items.order_id,
    coalesce(users.user_key, {{ unknown_key() }}) as user_key,
    coalesce(products.product_key, {{ unknown_key() }}) as product_key,
    coalesce(products.distribution_center_key, {{ unknown_key() }}) as distribution_center_key,
    {{ date_key('items.bought_at') }} as order_date_key,
    items.item_status,
    coalesce(orders.order_status, 'Unknown') as order_status,
    items.bought_at,
    items.shipped_at,
    items.delivered_at,
    items.returned_at,
    items.sale_price,
    coalesce(inventory.unit_cost, products.unit_cost) as unit_cost,
    cast(items.sale_price - coalesce(inventory.unit_cost, products.unit_cost) as decimal(18, 4))
        as margin,
    items.item_status = 'Returned' as is_returned,
    items.item_status not in ('Cancelled', 'Returned') as counts_as_revenue,
    items.loaded_at as source_loaded_at
from items
left join orders on orders.order_id = items.order_id
left join inventory on inventory.inventory_item_id = items.inventory_item_id
left join users on users.user_id = items.user_id
left join products on products.product_id = items.product_id
{% endcall %}
{{ cluster_by('order_date_key') }}
