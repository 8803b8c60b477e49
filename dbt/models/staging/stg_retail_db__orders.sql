with source as (
    select * from {{ source('retail_db', 'orders') }}
),

renamed as (
    select
        order_id,
        order_customer_id as customer_id,
        cast(order_date as timestamp) as ordered_at,
        order_status,
        _loaded_at as loaded_at
    from source
)

select * from renamed
