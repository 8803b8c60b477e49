with source as (
    select * from {{ source('retail_db', 'categories') }}
),

renamed as (
    select
        category_id,
        category_department_id as department_id,
        category_name,
        _loaded_at as loaded_at
    from source
)

select * from renamed
