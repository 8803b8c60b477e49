{#- Money is an exact decimal in the warehouse; the export delivers floats. -#}
{% macro to_money(column) -%}
    cast({{ column }} as decimal(18, 2))
{%- endmacro %}
