{#- `column` is one of the keys `subquery` returns: the rows of a large table whose key
    changed. PostgreSQL's planner underestimates a day's changed keys (its statistics lag the
    load) and reads the whole table by hash join instead of the key's index; a key list
    it computes once (`= any(array(...))`) is always looked up by the index. At 3 M orders
    this took the order-line fact's changed lines from a 8.2 s scan to an index scan
    (decision 0040). Elsewhere a plain `in`. -#}
{% macro key_in(column, subquery) -%}
    {{ return(adapter.dispatch('key_in', 'shopsight')(column, subquery)) }}
{%- endmacro %}

{% macro default__key_in(column, subquery) -%}
    {{ column }} in ({{ subquery }})
{%- endmacro %}

{% macro postgres__key_in(column, subquery) -%}
    {{ column }} = any(array({{ subquery }}))
{%- endmacro %}
