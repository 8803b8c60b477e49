{#- A public mart's final select in the types its contract declares. Wrap the model's last
    select in a call block:

        {% call contracted_select() %} select * from final {% endcall %}

    Every column the model's YAML declares is cast to its data_type, in the YAML's order, so
    both engines report one type (PostgreSQL calls md5() text and a landing column character
    varying; DuckDB sums integers to HUGEINT, PostgreSQL to numeric) and a value that does
    not fit fails the build instead of reaching a reader. On DuckDB every column the select
    has beyond the YAML is passed through too, so dbt's contract check names a column
    someone added to the SQL but not to the YAML rather than the cast dropping it. -#}
{% macro contracted_select() -%}
    {#- A unit test compiles the model under its own node, without the model's columns: it
        checks the logic, so its select passes through. -#}
    {%- if model.resource_type == 'unit_test' -%}
    select * from (
{{ caller() }}
    ) as declared
    {%- else -%}
    {%- set columns = model.columns.values() | list -%}
    {%- if execute and not columns -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": a contracted select needs the model's columns declared in its YAML") }}
    {%- endif -%}
    select
    {%- for column in columns %}
        {%- if execute and not column.data_type %}
            {{ exceptions.raise_compiler_error(model.name ~ "." ~ column.name ~ " has no data_type in the YAML") }}
        {%- endif %}
        cast({{ column.name }} as {{ declared_type(column.data_type) }}) as {{ column.name }}{{ ',' if not loop.last }}
    {%- endfor %}
        {{- adapter.dispatch('undeclared_columns', 'shopsight')(columns) }}
    from (
{{ caller() }}
    ) as declared
    {%- endif -%}
{%- endmacro %}

{% macro default__undeclared_columns(columns) -%}{%- endmacro %}

{% macro duckdb__undeclared_columns(columns) -%}
        , * exclude ({{ columns | map(attribute='name') | join(', ') }})
{%- endmacro %}
