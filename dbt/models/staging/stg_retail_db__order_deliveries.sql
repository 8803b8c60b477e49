{#- Every delivery of an order row (its first, then each status change), by file day. -#}
with source as (
    select * from {{ source('retail_db', 'orders_history') }}
),

renamed as (
    select
        order_id,
        order_status,
        cast(_file_dt as date) as delivered_on,
        _loaded_at as loaded_at
    from source
)

select * from renamed
