{#- The type names that differ by engine. Spark has no unbounded varchar (its text type is
    `string`), no `double precision` and calls `integer` `int`; DuckDB and PostgreSQL take
    the names the YAML declares. -#}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type', 'shopsight')()) }}
{%- endmacro %}

{% macro default__text_type() -%}varchar{%- endmacro %}

{% macro spark__text_type() -%}string{%- endmacro %}

{#- A YAML data_type as the engine names it. -#}
{% macro declared_type(data_type) -%}
    {{ return(adapter.dispatch('declared_type', 'shopsight')(data_type)) }}
{%- endmacro %}

{% macro default__declared_type(data_type) -%}{{ return(data_type) }}{%- endmacro %}

{% macro spark__declared_type(data_type) -%}
    {%- set name = data_type | lower | trim | replace(' ', '') -%}
    {%- if name.startswith('varchar') or name == 'text' -%}{{ return('string') }}
    {%- elif name == 'doubleprecision' -%}{{ return('double') }}
    {%- elif name == 'integer' -%}{{ return('int') }}
    {%- else -%}{{ return(name) }}
    {%- endif -%}
{%- endmacro %}
