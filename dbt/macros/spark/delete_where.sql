{#- The SQL that deletes a table's rows matching a condition, for a hook. Spark's plain
    Parquet tables have no DELETE: there the rows kept are written to a new table, which
    replaces the table (as delete+insert does there, macros/spark/spark_delete_insert.sql),
    and the hook itself is empty. -#}
{% macro delete_where(relation, condition) -%}
    {{ return(adapter.dispatch('delete_where', 'shopsight')(relation, condition)) }}
{%- endmacro %}

{% macro default__delete_where(relation, condition) -%}
    delete from {{ relation }} where {{ condition }}
{%- endmacro %}

{% macro spark__delete_where(relation, condition) -%}
    {%- if execute -%}
        {%- set kept = relation.incorporate(path={"identifier": relation.identifier ~ "__dbt_kept"}) -%}
        {%- do run_query("drop table if exists " ~ kept) -%}
        {%- do run_query("create table " ~ kept ~ " using parquet as select * from " ~ relation
            ~ " where not coalesce(" ~ condition ~ ", false)") -%}
        {%- do run_query("drop table " ~ relation) -%}
        {%- do run_query("alter table " ~ kept ~ " rename to " ~ relation) -%}
    {%- endif -%}
{%- endmacro %}
