with centers as (
    select * from {{ ref('stg_thelook__distribution_centers') }}
),

known as (
    select
        {{ surrogate_key(['distribution_center_id']) }} as distribution_center_key,
        distribution_center_id,
        distribution_center_name,
        latitude,
        longitude,
        false as is_unknown
    from centers
),

unknown_member as (
    select
        {{ unknown_key() }},
        cast(-1 as integer),
        'Unknown',
        cast(null as {{ dbt.type_float() }}),
        cast(null as {{ dbt.type_float() }}),
        true
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
