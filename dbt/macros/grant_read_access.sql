{#- Read access to the marts for the roles in var reader_roles (PostgreSQL only; DuckDB has
    no roles): usage on the mart schemas and select on every table in them, at the end of
    each build, so rebuilt tables keep their grants. One statement list after the run, not a
    hook per model: concurrent grants on one schema collide in PostgreSQL's catalog. -#}
{% macro grant_read_access(schemas=('marts', 'web')) -%}
    {%- if target.type == 'postgres' and var('reader_roles', []) -%}
        {%- for role in var('reader_roles') -%}
            {%- for schema in schemas -%}
                grant usage on schema {{ schema }} to {{ adapter.quote(role) }};
                grant select on all tables in schema {{ schema }} to {{ adapter.quote(role) }};
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
