{#- Spans every source's days: retail orders, web events and web orders. -#}
with days as (
    select cast(ordered_at as date) as day from {{ ref('stg_retail_db__orders') }}
    union all
    select cast(occurred_at as date) from {{ ref('stg_thelook__events') }}
    union all
    select cast(ordered_at as date) from {{ ref('stg_thelook__orders') }}
),

bounds as (
    select min(day) as first_day, max(day) as last_day from days
),

spine as (
    {{ date_spine(
        "(select " ~ dbt.dateadd('day', -7, 'first_day') ~ " from bounds)",
        "(select " ~ dbt.dateadd('day', 366, 'last_day') ~ " from bounds)"
    ) }}
),

calendar as (
    select
        {{ date_key('date_day') }} as date_key,
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast(extract(quarter from date_day) as integer) as quarter_of_year,
        cast(extract(year from date_day) as integer) as year_number,
        cast({{ iso_weekday("date_day") }} as integer) as iso_weekday,
        {{ iso_weekday("date_day") }} in (6, 7) as is_weekend,
        false as is_unknown
    from spine
),

unknown_member as (
    select
        -1 as date_key,
        cast(null as date) as date_day,
        cast(null as date) as week_start_date,
        cast(null as date) as month_start_date,
        cast(null as integer) as month_of_year,
        cast(null as integer) as quarter_of_year,
        cast(null as integer) as year_number,
        cast(null as integer) as iso_weekday,
        cast(null as boolean) as is_weekend,
        true as is_unknown
)

{% call contracted_select() %}
select * from calendar
union all
select * from unknown_member
{% endcall %}
