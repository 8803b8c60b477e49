with source as (
    select * from {{ source('retail_db', 'products') }}
),

renamed as (
    select
        product_id,
        product_category_id as category_id,
        product_name,
        product_description,
        {{ to_money('product_price') }} as list_price,
        product_image as product_image_url,
        _loaded_at as loaded_at
    from source
)

select * from renamed
