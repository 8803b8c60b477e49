{#- The Monday that starts the (ISO) week of a timestamp, as a date, on every engine. -#}
{% macro week_of(column) -%}
    cast({{ dbt.date_trunc('week', column) }} as date)
{%- endmacro %}
