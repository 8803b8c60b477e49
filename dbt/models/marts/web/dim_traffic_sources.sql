{#- Every traffic source seen, on events (how a session arrived) or on users (how they were
    first acquired), with the marketing channel it belongs to. -#}
with seen as (
    select traffic_source from {{ ref('stg_thelook__events') }}
    union
    select acquisition_source from {{ ref('stg_thelook__users') }}
),

known as (
    select
        {{ surrogate_key(['traffic_source']) }} as traffic_source_key,
        traffic_source,
        case
            when traffic_source in ('Adwords', 'YouTube', 'Facebook', 'Display') then 'Paid'
            when traffic_source = 'Email' then 'Owned'
            when traffic_source in ('Organic', 'Search') then 'Organic'
            else 'Other'
        end as channel,
        false as is_unknown
    from seen
),

unknown_member as (
    select {{ unknown_key() }}, 'Unknown', 'Unknown', true
)

{% call contracted_select() %}
select * from known
union all
select * from unknown_member
{% endcall %}
