{{ config(indexes=postgres_indexes([['customer_key'], ['customer_id']])) }}

with customers as (
    select * from {{ ref('stg_retail_db__customers') }}
),

known as (
    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        first_name,
        last_name,
        street,
        city,
        state,
        zipcode,
        false as is_unknown
    from customers
),

unknown_member as (
    select
        {{ unknown_key() }} as customer_key,
        cast(-1 as integer) as customer_id,
        'Unknown' as first_name,
        'Unknown' as last_name,
        'Unknown' as street,
        'Unknown' as city,
        '??' as state,
        'Unknown' as zipcode,
        true as is_unknown
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
