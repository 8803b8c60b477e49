{#- The watermark of an incremental fact: the latest load its rows have seen, less
    `incremental_lookback_minutes`; an empty table reads from the beginning. Loads are
    stamped in order, one at a time (docs/decisions/0005), so whatever changed since the
    last build was loaded at or after it. -#}
{% macro loaded_after_watermark(column='source_loaded_at') %}
    select coalesce(
        {{ dbt.dateadd('minute', -var('incremental_lookback_minutes'), 'max(' ~ column ~ ')') }},
        cast('1900-01-01' as timestamp)
    ) as loaded_after
    from {{ this }}
{% endmacro %}

{#- Whether this run goes on from the built table: incremental, and the table has the
    watermark column (a table built before the column existed is rebuilt whole, once). -#}
{% macro incremental_from_watermark(column='source_loaded_at') %}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column in built) }}
{% endmacro %}
