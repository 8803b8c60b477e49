{#- Grain: one tracking state change (a new tag), in the order the carrier reported them
    (updated_at), whatever order the updates arrived in. -#}
with updates as (
    select * from {{ ref('stg_aftership__tracking_updates') }}
),

sequenced as (
    select
        *,
        lag(tag) over (partition by tracking_id order by updated_at) as previous_tag,
        row_number() over (partition by tracking_id order by updated_at) as update_number
    from updates
)

{% call contracted_select() %}
select
    {{ surrogate_key(['tracking_id', 'updated_at']) }} as shipment_event_key,
    tracking_id,
    tracking_number,
    courier,
    order_id,
    order_item_id,
    tag,
    subtag,
    previous_tag,
    updated_at as changed_at,
    {{ date_key('updated_at') }} as event_date_key,
    failed_delivery_attempts,
    delivered_by
from sequenced
where previous_tag is null or previous_tag <> tag
{% endcall %}
