with source as (
    select * from {{ source('retail_db', 'departments') }}
),

renamed as (
    select
        department_id,
        department_name,
        _loaded_at as loaded_at
    from source
)

select * from renamed
