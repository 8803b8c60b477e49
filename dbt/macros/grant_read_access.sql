{#- Read access to the marts for the roles in var reader_roles (PostgreSQL only; DuckDB has
    no roles): usage on the mart schemas and select on every table in them. `shopsight
    build` runs it (dbt run-operation) after each build on PostgreSQL, so rebuilt tables keep
    their grants. Not a hook per model (concurrent grants on one schema collide in
    PostgreSQL's catalog), nor on-run-end (its result would join every command's results). -#}
{% macro grant_read_access(schemas=('marts', 'web')) -%}
    {%- if target.type == 'postgres' -%}
        {%- for role in var('reader_roles', []) -%}
            {%- for schema in schemas -%}
                {%- do run_query('grant usage on schema ' ~ schema ~ ' to ' ~ adapter.quote(role)) -%}
                {%- do run_query('grant select on all tables in schema ' ~ schema
                    ~ ' to ' ~ adapter.quote(role)) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
