{#- Every delivered version of a product row, in delivery order. -#}
with source as (
    select * from {{ source('retail_db', 'products_history') }}
),

renamed as (
    select
        product_id,
        product_category_id as category_id,
        product_name,
        {{ to_money('product_price') }} as list_price,
        cast(_file_dt as date) as delivered_on,
        _file_path as delivered_in,
        _line_number as delivered_at_line,
        _loaded_at as loaded_at
    from source
)

select * from renamed
