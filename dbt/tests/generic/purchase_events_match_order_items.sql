{#- Every order item is bought in a session that ends in one purchase event: per day, the
    purchase events equal the order items bought. A difference means events or order items
    were lost or are still to arrive (warn: quarantined rows cause it too). -#}
{% test purchase_events_match_order_items(model) %}
with purchases as (
    select event_date_key as date_key, count(*) as purchase_events
    from {{ model }}
    where event_type = 'purchase'
    group by 1
),

items as (
    select order_date_key as date_key, count(*) as order_items
    from {{ ref('web_fct_order_items') }}
    group by 1
)

select
    coalesce(purchases.date_key, items.date_key) as date_key,
    coalesce(purchase_events, 0) as purchase_events,
    coalesce(order_items, 0) as order_items
from purchases
full outer join items on items.date_key = purchases.date_key
where coalesce(purchase_events, 0) <> coalesce(order_items, 0)
{% endtest %}
