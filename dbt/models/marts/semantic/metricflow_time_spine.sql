{#- MetricFlow's daily time spine: every calendar day of dim_date (not its unknown member). -#}
select date_day from {{ ref('dim_date') }} where date_day is not null
