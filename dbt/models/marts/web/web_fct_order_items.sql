{{ config(alias='fct_order_items', indexes=postgres_indexes([['order_date_key'], ['product_key']])) }}

{#- Grain: one web-shop order item, in its latest state. margin = sale_price - unit cost of
    the unit sold (its inventory item), or of the product when the unit is unknown. -#}
with items as (
    select * from {{ ref('stg_thelook__order_items') }}
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
    items.item_status not in ('Cancelled', 'Returned') as counts_as_revenue
from items
left join orders on orders.order_id = items.order_id
left join inventory on inventory.inventory_item_id = items.inventory_item_id
left join users on users.user_id = items.user_id
left join products on products.product_id = items.product_id
{% endcall %}
{{ cluster_by('order_date_key') }}
