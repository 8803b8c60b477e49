{#- Grain: one web-shop user, plus the unknown member.
    Incremental on user_id: a run rebuilds the users loaded after the latest user load
    the table has seen (less `incremental_lookback_minutes`) and the users whose loyalty
    score is not the one built (`shopsight loyalty` rescores every user when the feed
    changes: the scores carry no load time, so they are compared, one join on the key). The
    unknown member is written by the first (or a full) build only. -#}
{% set from_watermark = incremental_from_watermark() %}
{{ config(
    materialized='incremental',
    unique_key='user_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=postgres_indexes([['source_loaded_at'], ['user_key'], ['user_id']]),
) }}

with scores as (
    select * from {{ ref('stg_transactions__loyalty_scores') }}
),

{% if from_watermark %}
-- Users whose score is new, changed or gone.
rescored as (
    select coalesce(scores.user_id, built.user_id) as user_id
    from scores
    full outer join (select user_id, loyalty_score from {{ this }} where not is_unknown) as built
        on built.user_id = scores.user_id
    where coalesce(scores.loyalty_score, 0) <> coalesce(built.loyalty_score, 0)
),
{% endif %}

users as (
    select * from {{ ref('stg_thelook__users') }}
    {% if from_watermark %}
    where loaded_at >= {{ watermark_literal() }}
        or user_id in (select user_id from rescored)
    {% endif %}
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
        false as is_unknown,
        users.loaded_at as source_loaded_at
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
        true as is_unknown,
        cast(null as timestamp) as source_loaded_at
)

{% call contracted_select() %}
select * from known
{% if not is_incremental() %}
union all
select * from unknown_member
{% endif %}
{% endcall %}
