{#- Grain: one web-shop order line with a tracking: its courier and tracking number, the
    latest tag (by updated_at), when it shipped, went out for delivery and was delivered,
    days in transit, failed delivery attempts and whether it hit an exception. -#}
with events as (
    select * from {{ ref('fct_shipment_events') }}
),

order_items as (
    select order_item_id, user_key, product_key, order_date_key
    from {{ ref('web_fct_order_items') }}
),

latest as (
    select * from (
        select *, row_number() over (
            partition by order_item_id order by changed_at desc
        ) as recency
        from events
        where order_item_id is not null
    ) ranked
    where recency = 1
),

milestones as (
    select
        order_item_id,
        min(case when tag in ('InfoReceived', 'InTransit') then changed_at end) as shipped_at,
        min(case when tag = 'OutForDelivery' then changed_at end) as out_for_delivery_at,
        min(case when tag = 'Delivered' then changed_at end) as delivered_at,
        sum(case when tag = 'AttemptFail' then 1 else 0 end) as failed_attempts,
        max(case when tag = 'Exception' then 1 else 0 end) = 1 as had_exception,
        count(*) as state_changes
    from events
    where order_item_id is not null
    group by order_item_id
)

{% call contracted_select() %}
select
    latest.order_item_id,
    latest.order_id,
    coalesce(order_items.user_key, {{ unknown_key() }}) as user_key,
    coalesce(order_items.product_key, {{ unknown_key() }}) as product_key,
    coalesce(order_items.order_date_key, -1) as order_date_key,
    latest.tracking_id,
    latest.tracking_number,
    latest.courier,
    latest.tag as latest_tag,
    latest.changed_at as latest_update_at,
    milestones.shipped_at,
    milestones.out_for_delivery_at,
    milestones.delivered_at,
    case when milestones.delivered_at is not null
        then cast({{ dbt.datediff('milestones.shipped_at', 'milestones.delivered_at', 'day') }}
            as integer)
    end as days_in_transit,
    greatest(milestones.failed_attempts, latest.failed_delivery_attempts) as failed_attempts,
    milestones.had_exception,
    milestones.state_changes
from latest
inner join milestones on milestones.order_item_id = latest.order_item_id
left join order_items on order_items.order_item_id = latest.order_item_id
{% endcall %}
