{#- Engine-specific physical design, dispatched so the models stay portable.

    postgres_indexes: B-tree indexes on the columns facts are joined and filtered on
    (PostgreSQL only; columnar engines use zone maps / clustering instead).
    cluster_by: DuckDB keeps rows in insertion order and prunes row groups by min/max, so
    the big facts are written sorted by date; other engines get no ORDER BY. -#}
{% macro postgres_indexes(column_lists) -%}
    {%- if target.type == 'postgres' -%}
        {%- set indexes = [] -%}
        {%- for columns in column_lists -%}
            {%- do indexes.append({'columns': columns}) -%}
        {%- endfor -%}
        {{ return(indexes) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{% macro cluster_by(column) -%}
    {{ return(adapter.dispatch('cluster_by', 'shopsight')(column)) }}
{%- endmacro %}

{% macro default__cluster_by(column) -%}{%- endmacro %}

{% macro duckdb__cluster_by(column) -%}
    order by {{ column }}
{%- endmacro %}
