{#- The column a fact is partitioned by on Spark (a day), so that delete+insert rewrites
    only the days a run touches (macros/spark/spark_delete_insert.sql); none elsewhere:
    DuckDB and PostgreSQL keep one table and delete by key. -#}
{% macro spark_partition_by(column) -%}
    {{ return(column if target.type == 'spark' else none) }}
{%- endmacro %}
