{#- The watermark of an incremental fact: just after the latest load its rows have seen,
    less `incremental_lookback_minutes`; an empty table reads from the beginning. Loads are
    stamped in order, one at a time, each later than the one before to the microsecond
    (decisions 0005 and 0043, ingest/loader.py `load_stamp`), so whatever changed since the last
    build was loaded at or after the watermark, and the last load it saw is not read
    again. -#}
{% macro loaded_after_watermark(column='source_loaded_at') %}
    select coalesce(
        {{ dbt.dateadd(
            'minute',
            -var('incremental_lookback_minutes'),
            microsecond_after('max(' ~ column ~ ')')) }},
        cast('1900-01-01' as timestamp)
    ) as loaded_after
    from {{ this }}
{% endmacro %}

{#- The timestamp one microsecond after `timestamp_sql`: the least a later load's stamp can
    be. -#}
{% macro microsecond_after(timestamp_sql) -%}
    ({{ timestamp_sql }} + interval '1 microsecond')
{%- endmacro %}

{#- Whether this run goes on from the built table: incremental, and the table has the
    watermark column (a table built before the column existed is rebuilt whole, once). -#}
{% macro incremental_from_watermark(column='source_loaded_at') %}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column in built) }}
{% endmacro %}

{#- The same watermark as a timestamp literal, read when the model compiles (its table does
    not change before the model runs). A constant, not a subquery: DuckDB skips row groups
    by it, and PostgreSQL estimates from it how few rows changed, so the day's rows are
    joined by key instead of every row of the history (docs/decisions/0038). -#}
{% macro watermark_literal(column='source_loaded_at') %}
    {%- if not execute or not is_incremental() -%}
        {{ return('(' ~ loaded_after_watermark(column) ~ ')') }}
    {%- endif -%}
    {%- set value = run_query(
        'select cast(loaded_after as ' ~ text_type() ~ ') from ('
        ~ loaded_after_watermark(column) ~ ') as watermark').rows[0][0] -%}
    {{ return("cast('" ~ value ~ "' as timestamp)") }}
{% endmacro %}
