{#- The two price histories agree: the unit price charged on an order line is the list
    price of the product version valid on its order day. A warning, not an error: a store
    may run promotions, and the mismatches are then the promotions to look at. -#}
{{ config(severity='warn') }}

select
    facts.order_item_id,
    facts.product_id,
    facts.order_date,
    facts.unit_price,
    products.list_price
from {{ ref('fct_order_items') }} as facts
inner join {{ ref('dim_products') }} as products
    on facts.product_key = products.product_key
where not products.is_unknown
    and facts.unit_price <> products.list_price
