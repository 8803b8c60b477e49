with source as (
    select * from {{ source('retail_db', 'order_items') }}
),

renamed as (
    select
        order_item_id,
        order_item_order_id as order_id,
        order_item_product_id as product_id,
        order_item_quantity as quantity,
        {{ to_money('order_item_product_price') }} as unit_price,
        {{ to_money('order_item_subtotal') }} as delivered_subtotal,
        _loaded_at as loaded_at
    from source
)

select * from renamed
