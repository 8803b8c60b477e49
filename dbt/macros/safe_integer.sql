{#- Text as an integer, or null when it is not one (instead of failing the query). -#}
{% macro safe_integer(text) -%}
    {{ return(adapter.dispatch('safe_integer')(text)) }}
{%- endmacro %}

{% macro default__safe_integer(text) -%}
    case when trim({{ text }}) ~ '^-?[0-9]{1,9}$' then cast(trim({{ text }}) as integer) end
{%- endmacro %}

{% macro duckdb__safe_integer(text) -%}
    try_cast(trim({{ text }}) as integer)
{%- endmacro %}

{% macro spark__safe_integer(text) -%}
    try_cast(trim({{ text }}) as int)
{%- endmacro %}
