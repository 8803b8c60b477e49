{#- Marks a CTE to be inlined wherever it is read. DuckDB computes a CTE read more than once
    into memory first, whole, every column, and cannot spill it: a CTE over a large table
    read twice held the table (the full build of fct_orders at 3 M orders failed under a
    1 GB limit; docs/decisions/0024). PostgreSQL (12+) takes the same words; other engines
    get nothing and decide themselves. Usage: `lines as {{ not_materialized() }} (...)`. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'shopsight')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}

{% macro duckdb__not_materialized() -%}not materialized{%- endmacro %}

{% macro postgres__not_materialized() -%}not materialized{%- endmacro %}
