{#- The ISO day of the week of a date: 1 for Monday to 7 for Sunday. -#}
{% macro iso_weekday(day) -%}
    {{ return(adapter.dispatch('iso_weekday', 'shopsight')(day)) }}
{%- endmacro %}

{% macro default__iso_weekday(day) -%}extract(isodow from {{ day }}){%- endmacro %}

{% macro spark__iso_weekday(day) -%}extract(dayofweek_iso from {{ day }}){%- endmacro %}
