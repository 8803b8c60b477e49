{#- dbt's contract check on Spark: the select's columns, in order, with the types the YAML
    declares as Spark names them (macros/engine_types.sql). dbt-spark compares the YAML's
    names verbatim, and Spark reports `varchar` as `string`. -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set built = get_column_schema_from_query(sql) -%}
    {%- set declared = model['columns'].values() | list -%}
    {%- set problems = [] -%}
    {%- for column in declared -%}
        {%- set actual = built[loop.index0] if loop.index0 < built | length else none -%}
        {%- set wanted = declared_type(column.data_type) -%}
        {%- if actual is none or actual.name | lower != column.name | lower -%}
            {%- do problems.append(column.name ~ ': missing or out of order') -%}
        {%- elif actual.dtype | lower | replace(' ', '') != wanted -%}
            {%- do problems.append(column.name ~ ': ' ~ actual.dtype ~ ', declared ' ~ wanted) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if built | length != declared | length -%}
        {%- do problems.append((built | length) ~ ' columns built, ' ~ (declared | length) ~ ' declared') -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(model.name ~ " does not match its contract: " ~ problems | join('; ')) }}
    {%- endif -%}
{%- endmacro %}
