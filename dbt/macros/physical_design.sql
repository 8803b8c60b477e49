{#- Engine-specific physical design, dispatched so the models stay portable.

    postgres_indexes: B-tree indexes on the columns facts are joined and filtered on
    (PostgreSQL only; columnar engines use zone maps / clustering instead). Every mart
    with a `source_loaded_at` has one on it: the daily run's data tests read the rows
    loaded since (macros/get_where_subquery.sql), and the incremental models their
    watermark (decision 0041).
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

{#- A post-hook: on PostgreSQL, the configured indexes an incremental model's table lacks.
    dbt creates a model's indexes only with its table, so an index added to a model later
    would reach an existing warehouse only with a full refresh; this creates it on the next
    run. Indexes are compared by their columns, in order. -#}
{% macro ensure_postgres_indexes() -%}
    {%- if not execute or target.type != 'postgres' or config.get('materialized') != 'incremental' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set wanted = config.get('indexes', default=[]) -%}
    {%- if not wanted -%}
        {{ return('') }}
    {%- endif -%}
    {%- set existing = run_query(
        "select string_agg(a.attname, ',' order by k.position) from pg_index as i"
        ~ " cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)"
        ~ " inner join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum"
        ~ " where i.indrelid = '" ~ this.include(database=False) ~ "'::regclass"
        ~ " group by i.indexrelid").columns[0].values() -%}
    {%- set missing = [] -%}
    {%- for index in wanted if index['columns'] | join(',') not in existing -%}
        {%- do missing.append(get_create_index_sql(this, index)) -%}
    {%- endfor -%}
    {{ return(missing | join(';\n')) }}
{%- endmacro %}

{#- A pre-hook of fct_order_items, the first model to read them: on PostgreSQL, the landing
    tables' indexes that the incremental marts find the day's rows by: each table's load
    time, and the order lines' order (the lines of an order loaded since). They are made by
    the first build, not with the tables: a bulk load into indexed tables took 1.22x as
    long, and one `create index` after it is cheaper; each later day's load keeps them up
    (decision 0041). Not an on-run-start hook: `dbt source freshness` would report it as a
    result beside the sources. -#}
{% macro index_landing_for_marts() -%}
    {%- if not execute or target.type != 'postgres' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set wanted = [
        ('order_items', 'order_items_loaded_at', '_loaded_at'),
        ('order_items', 'order_items_order_id', 'order_item_order_id'),
        ('orders', 'orders_loaded_at', '_loaded_at'),
    ] -%}
    {%- set statements = [] -%}
    {%- for table, name, column in wanted -%}
        {%- do statements.append('create index if not exists ' ~ name ~ ' on retail_db.' ~ table ~ ' (' ~ column ~ ')') -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
