{#- Grain: source table × file day. Whether each day's delivery of each table is whole:
    files the ledger has seen, loaded, untrusted (quarantined whole, neither re-admitted nor
    accepted) and accepted as they are. Tables delivered every day (var `daily_tables`) get
    a row for every day from their first file to their last, so a day whose file never came
    shows as incomplete, never as missing. -#}
with deliveries as (
    select * from {{ ref('stg_shopsight_ops__file_deliveries') }}
    where file_dt is not null
),

per_day as (
    select
        source,
        table_name,
        file_dt,
        count(*) as files_seen,
        sum(case when status = 'loaded' then 1 else 0 end) as files_loaded,
        sum(case when is_untrusted then 1 else 0 end) as files_untrusted,
        sum(case when is_accepted then 1 else 0 end) as files_accepted
    from deliveries
    group by source, table_name, file_dt
),

daily_tables as (
    select source, table_name, min(file_dt) as first_day, max(file_dt) as last_day
    from per_day
    where source || '.' || table_name in (
        {%- for name in var('daily_tables') -%}
            '{{ name }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    )
    group by source, table_name
),

expected as (
    select daily_tables.source, daily_tables.table_name, dates.date_day as file_dt
    from daily_tables
    inner join {{ ref('dim_date') }} as dates
        on dates.date_day between daily_tables.first_day and daily_tables.last_day
),

every_day as (
    select source, table_name, file_dt, 1 as files_expected from expected
    union all
    select per_day.source, per_day.table_name, per_day.file_dt, 0 as files_expected
    from per_day
    left join expected
        on per_day.source = expected.source
        and per_day.table_name = expected.table_name
        and per_day.file_dt = expected.file_dt
    where expected.file_dt is null
),

final as (
    select
        every_day.source,
        every_day.table_name,
        every_day.file_dt,
        {{ date_key('every_day.file_dt') }} as file_date_key,
        every_day.files_expected,
        coalesce(per_day.files_seen, 0) as files_seen,
        coalesce(per_day.files_loaded, 0) as files_loaded,
        coalesce(per_day.files_untrusted, 0) as files_untrusted,
        coalesce(per_day.files_accepted, 0) as files_accepted,
        coalesce(per_day.files_untrusted, 0) = 0
            and coalesce(per_day.files_loaded, 0) >= every_day.files_expected as is_complete
    from every_day
    left join per_day
        on every_day.source = per_day.source
        and every_day.table_name = per_day.table_name
        and every_day.file_dt = per_day.file_dt
)

{% call contracted_select() %}
select * from final
{% endcall %}
