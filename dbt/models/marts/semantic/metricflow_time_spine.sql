{#- MetricFlow's daily time spine: every calendar day of dim_date (not its unknown member). -#}
{% call contracted_select() %}
select date_day from {{ ref('dim_date') }} where date_day is not null
{% endcall %}
