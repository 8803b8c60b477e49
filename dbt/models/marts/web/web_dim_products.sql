{{ config(alias='dim_products', indexes=postgres_indexes([['product_key'], ['product_id']])) }}

with products as (
    select * from {{ ref('stg_thelook__products') }}
),

centers as (
    select * from {{ ref('stg_thelook__distribution_centers') }}
),

known as (
    select
        {{ surrogate_key(['products.product_id']) }} as product_key,
        products.product_id,
        product_name,
        brand,
        category,
        department,
        sku,
        unit_cost,
        retail_price,
        case when centers.distribution_center_id is null then {{ unknown_key() }}
            else {{ surrogate_key(['centers.distribution_center_id']) }}
        end as distribution_center_key,
        false as is_unknown
    from products
    left join centers on centers.distribution_center_id = products.distribution_center_id
),

unknown_member as (
    select
        {{ unknown_key() }},
        cast(-1 as integer),
        'Unknown',
        'Unknown',
        'Unknown',
        'Unknown',
        'Unknown',
        cast(null as decimal(18, 4)),
        cast(null as decimal(18, 2)),
        {{ unknown_key() }},
        true
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
