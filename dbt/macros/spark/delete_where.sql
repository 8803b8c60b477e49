{#- The SQL that deletes a table's rows matching a condition, for a hook. Spark's plain
    Parquet tables have no DELETE: there, when any row matches, the rows kept are written
    to a new table (partitioned as the model declares), which replaces the table (as
    delete+insert does there, macros/spark/spark_delete_insert.sql), and the hook itself
    is empty. When no row matches (the daily mart's usual run: no day after the run date),
    nothing is written. -#}
{% macro delete_where(relation, condition) -%}
    {{ return(adapter.dispatch('delete_where', 'shopsight')(relation, condition)) }}
{%- endmacro %}

{% macro default__delete_where(relation, condition) -%}
    delete from {{ relation }} where {{ condition }}
{%- endmacro %}

{% macro spark__delete_where(relation, condition) -%}
    {%- if execute -%}
        {%- set matching = run_query("select 1 from " ~ relation ~ " where coalesce(" ~ condition
            ~ ", false) limit 1") -%}
        {%- if matching.rows | length > 0 -%}
            {%- set kept = relation.incorporate(path={"identifier": relation.identifier ~ "__dbt_kept"}) -%}
            {%- set partitioned_by = config.get('partition_by') -%}
            {%- set partitioning = "" -%}
            {%- if partitioned_by -%}
                {%- set partitioning = " partitioned by (" ~ (partitioned_by if partitioned_by is string else partitioned_by | join(', ')) ~ ")" -%}
            {%- endif -%}
            {%- do run_query("drop table if exists " ~ kept) -%}
            {%- do run_query("create table " ~ kept ~ " using parquet" ~ partitioning ~ " as select * from "
                ~ relation ~ " where not coalesce(" ~ condition ~ ", false)") -%}
            {%- do run_query("drop table " ~ relation) -%}
            {%- do run_query("alter table " ~ kept ~ " rename to " ~ relation) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
