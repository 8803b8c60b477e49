{#- Engine-specific physical design, dispatched so the models stay portable.

    postgres_indexes: B-tree indexes on the columns facts are joined and filtered on
    (PostgreSQL only; columnar engines use zone maps / clustering instead).
    cluster_by: DuckDB keeps rows in insertion order and prunes row groups by min/max. A
    full build writes the facts in load order, already near date order (at 30 M orders a
    row group of the order lines spans a median 4 days): sorting 88 M lines cost 29 s of a
    120 s budget (decision 0036). An incremental run appends its rows sorted by date, so
    they stay clustered; other engines get no ORDER BY. -#}
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
    {%- if is_incremental() %}
    order by {{ column }}
    {%- endif %}
{%- endmacro %}
