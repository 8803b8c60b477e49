{#- One tracking history from both paths: webhook events (already one row per event_id) and
    API snapshots. A tracking state is (tracking_id, updated_at); when both paths delivered
    it, the webhook's copy is kept. Order comes from updated_at, never from arrival. -#}
with webhook as (
    select
        tracking_id, tracking_number, slug, tag, subtag, updated_at, order_id, order_item_id,
        failed_delivery_attempts, 'webhook' as delivered_by, received_at, 1 as preference
    from {{ source('aftership', 'webhook_events') }}
),

api as (
    select
        tracking_id, tracking_number, slug, tag, subtag, updated_at, order_id, order_item_id,
        failed_delivery_attempts, 'api' as delivered_by, _loaded_at as received_at,
        2 as preference
    from {{ source('aftership', 'api_trackings') }}
),

both_paths as (
    select * from webhook
    union all
    select * from api
),

ranked as (
    select *, row_number() over (
        partition by tracking_id, updated_at order by preference, received_at
    ) as copy_number
    from both_paths
)

select
    tracking_id,
    tracking_number,
    slug as courier,
    tag,
    subtag,
    updated_at,
    cast(order_id as integer) as order_id,
    cast(order_item_id as integer) as order_item_id,
    coalesce(failed_delivery_attempts, 0) as failed_delivery_attempts,
    delivered_by,
    received_at
from ranked
where copy_number = 1
