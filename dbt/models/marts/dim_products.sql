{{ config(indexes=postgres_indexes([['product_key'], ['product_id', 'valid_from']])) }}

with versions as (
    select * from {{ ref('int_product_versions') }}
),

categories as (
    select * from {{ ref('stg_retail_db__categories') }}
),

departments as (
    select * from {{ ref('stg_retail_db__departments') }}
),

known as (
    select
        {{ product_version_key('versions.product_id', 'versions.valid_from') }} as product_key,
        versions.product_id,
        versions.version_number,
        versions.product_name,
        versions.category_id,
        coalesce(categories.category_name, 'Unknown') as category_name,
        coalesce(departments.department_id, -1) as department_id,
        coalesce(departments.department_name, 'Unknown') as department_name,
        versions.list_price,
        versions.valid_from,
        versions.valid_to,
        versions.first_delivered_on,
        versions.is_current,
        categories.category_id is null as has_unknown_category,
        false as is_unknown
    from versions
    left join categories on versions.category_id = categories.category_id
    left join departments on categories.department_id = departments.department_id
),

unknown_member as (
    select
        {{ unknown_retail_key() }} as product_key,
        cast(-1 as integer) as product_id,
        cast(1 as bigint) as version_number,
        'Unknown' as product_name,
        cast(-1 as integer) as category_id,
        'Unknown' as category_name,
        cast(-1 as integer) as department_id,
        'Unknown' as department_name,
        cast(null as decimal(18, 2)) as list_price,
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        cast(null as date) as first_delivered_on,
        true as is_current,
        true as has_unknown_category,
        true as is_unknown
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
