{#- delete+insert on Spark's plain Parquet tables, which have no row-level delete: the run
    writes a new table holding the built rows whose key it did not rebuild plus the rebuilt
    rows, drops the old table and renames the new one into its place (docs/spark.md). The
    result is the same table as on DuckDB and PostgreSQL; the cost is one rewrite of the
    table (Delta or Iceberg tables would take `merge`). A run that stops between the drop
    and the rename leaves the table missing, and the next build makes it whole.
    The rebuilt rows come as a temporary view of the model's query, which the statements
    below read two or three times. Spark would analyse, optimise and run that query each
    time (seconds each for a model's dozen joins, whatever the rows), so they are written
    once to a table of their own (`__dbt_changed`), read from there, and dropped by the
    statement this macro returns, which dbt runs last (decision 0048). -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy not in ['append', 'insert_overwrite', 'delete+insert'] -%}
        {{ exceptions.raise_compiler_error("incremental strategy " ~ raw_strategy ~ " is not one ShopSight runs on Spark (append, insert_overwrite, delete+insert)") }}
    {%- endif -%}
    {{ return(raw_strategy) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'append' -%}
        {{ return(get_insert_into_sql(source, target)) }}
    {%- elif strategy == 'insert_overwrite' -%}
        {{ return(get_insert_overwrite_sql(source, target, existing)) }}
    {%- endif -%}
    {%- set changed = target.incorporate(path={"identifier": target.identifier ~ "__dbt_changed"}) -%}
    {%- call statement('drop_leftover_changed') -%}
        drop table if exists {{ changed }}
    {%- endcall -%}
    {%- call statement('write_changed_once') -%}
        create table {{ changed }} using parquet as select * from {{ source }}
    {%- endcall -%}
    {%- set rebuilt = target.incorporate(path={"identifier": target.identifier ~ "__dbt_rebuilt"}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- set partitioned_by = config.get('partition_by') -%}
    {%- if partitioned_by -%}
        {%- do spark_delete_insert_by_partition(changed, target, unique_key, partitioned_by, rebuilt, columns) -%}
    {%- else -%}
        {%- do spark_delete_insert_whole(changed, target, unique_key, rebuilt, columns) -%}
    {%- endif -%}
    {{ return("drop table " ~ changed) }}
{% endmacro %}

{#- delete+insert on an unpartitioned table: the kept rows and the rebuilt ones are written
    to a new table, which replaces the old one. -#}
{% macro spark_delete_insert_whole(source, target, unique_key, rebuilt, columns) %}
    {%- call statement('drop_leftover') -%}
        drop table if exists {{ rebuilt }}
    {%- endcall -%}
    {%- call statement('write_rebuilt') -%}
        create table {{ rebuilt }} using parquet as
        select {{ columns }} from {{ target }} as kept
        where not exists (
            select 1 from {{ source }} as changed
            where changed.{{ unique_key }} = kept.{{ unique_key }}
        )
        union all
        select {{ columns }} from {{ source }}
    {%- endcall -%}
    {%- call statement('drop_old') -%}
        drop table {{ target }}
    {%- endcall -%}
    {%- call statement('rename_rebuilt') -%}
        alter table {{ rebuilt }} rename to {{ target }}
    {%- endcall -%}
{% endmacro %}

{#- delete+insert on a table partitioned by a day (fct_order_items, fct_orders): only the
    partitions the run touches are rewritten, so the next day's cost follows the day, not
    the table. A partition is touched when a rebuilt row falls in it or a rebuilt key's
    built row lives there (a row that moved day). The touched partitions' kept rows and the
    rebuilt rows are written to a staging table first (Spark cannot overwrite a table it
    reads in the same statement), then replace exactly those partitions (dynamic partition
    overwrite); the staging table is dropped last. -#}
{% macro spark_delete_insert_by_partition(source, target, unique_key, partitioned_by, rebuilt, columns) %}
    {%- set partition = partitioned_by if partitioned_by is string else partitioned_by[0] -%}
    {%- call statement('drop_leftover') -%}
        drop table if exists {{ rebuilt }}
    {%- endcall -%}
    {%- call statement('write_touched_partitions') -%}
        create table {{ rebuilt }} using parquet as
        with touched as (
            select distinct {{ partition }} as day from {{ source }}
            union
            select distinct kept.{{ partition }} as day
            from {{ target }} as kept
            where exists (
                select 1 from {{ source }} as changed
                where changed.{{ unique_key }} = kept.{{ unique_key }}
            )
        )
        select {{ columns }} from {{ target }} as kept
        where exists (select 1 from touched where touched.day <=> kept.{{ partition }})
            and not exists (
                select 1 from {{ source }} as changed
                where changed.{{ unique_key }} = kept.{{ unique_key }}
            )
        union all
        select {{ columns }} from {{ source }}
    {%- endcall -%}
    {%- call statement('overwrite_touched_partitions') -%}
        insert overwrite table {{ target }} partition ({{ partition }})
        select {{ columns }} from {{ rebuilt }}
    {%- endcall -%}
    {%- call statement('drop_staging') -%}
        drop table {{ rebuilt }}
    {%- endcall -%}
{% endmacro %}
