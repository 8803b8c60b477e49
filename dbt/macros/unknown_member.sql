{#- The key the web shop's dimensions give their "unknown" member, so facts whose reference
    is missing are kept and point at it instead of vanishing in an inner join. The retail
    dimensions' unknown member has the integer key -1 (macros/retail_keys.sql). -#}
{% macro unknown_key() -%}
    {{ surrogate_key(["'-1'"]) }}
{%- endmacro %}

{% macro is_net_revenue(status_column) -%}
    ({{ status_column }} is not null and {{ status_column }} not in (
        {%- for status in var('revenue_excluded_statuses') -%}
            '{{ status }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    ))
{%- endmacro %}

{#- yyyymmdd as an integer: the date dimension's key (-1 for an unknown date). -#}
{% macro date_key(date_column) -%}
    coalesce(
        cast(extract(year from {{ date_column }}) * 10000
            + extract(month from {{ date_column }}) * 100
            + extract(day from {{ date_column }}) as integer),
        -1)
{%- endmacro %}
