with source as (
    select * from {{ source('retail_db', 'customers') }}
),

renamed as (
    select
        customer_id,
        customer_fname as first_name,
        customer_lname as last_name,
        customer_street as street,
        customer_city as city,
        customer_state as state,
        customer_zipcode as zipcode,
        _loaded_at as loaded_at
    from source
)

select * from renamed
