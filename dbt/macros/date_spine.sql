{#- One row per day from start_date to end_date inclusive, as column date_day. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine')(start_date, end_date)) }}
{%- endmacro %}

{#- A cross join of digits (up to 100 000 days): no engine-specific generator needed. -#}
{% macro default__date_spine(start_date, end_date) -%}
    with digits as (
        select 0 as d union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    ),
    numbers as (
        select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d as n
        from digits a
        cross join digits b
        cross join digits c
        cross join digits e
        cross join digits f
    ),
    bounds as (
        select cast({{ start_date }} as date) as first_day, cast({{ end_date }} as date) as last_day
    )
    select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as date_day
    from numbers
    cross join bounds
    where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
{%- endmacro %}

{#- On Spark each cross join above is a broadcast, or without one a cartesian product of
    partitions (decision 0048): Spark's own generator instead. -#}
{% macro spark__date_spine(start_date, end_date) -%}
    select explode(sequence(
        cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day
    )) as date_day
{%- endmacro %}
