{{ config(indexes=postgres_indexes([['user_key'], ['user_id']])) }}

with users as (
    select * from {{ ref('stg_thelook__users') }}
),

scores as (
    select * from {{ ref('stg_transactions__loyalty_scores') }}
),

known as (
    select
        {{ surrogate_key(['users.user_id']) }} as user_key,
        users.user_id,
        users.first_name,
        users.last_name,
        users.age,
        users.gender,
        users.city,
        users.state,
        users.country,
        users.acquisition_source,
        users.signed_up_at,
        {#- No transactions yet: the score's sum is empty, so 0. -#}
        cast(coalesce(scores.loyalty_score, 0) as decimal(20, 2)) as loyalty_score,
        false as is_unknown
    from users
    left join scores on scores.user_id = users.user_id
),

unknown_member as (
    select
        {{ unknown_key() }} as user_key,
        cast(-1 as integer) as user_id,
        'Anonymous' as first_name,
        'Anonymous' as last_name,
        cast(null as integer) as age,
        cast(null as {{ dbt.type_string() }}) as gender,
        'Unknown' as city,
        'Unknown' as state,
        'Unknown' as country,
        'Unknown' as acquisition_source,
        cast(null as timestamp) as signed_up_at,
        cast(0 as decimal(20, 2)) as loyalty_score,
        true as is_unknown
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
