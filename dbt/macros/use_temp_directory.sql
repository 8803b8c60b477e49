{#- DuckDB's spill folder, from SHOPSIGHT_TEMP_DIRECTORY (passed on by `shopsight build`).
    Set only when it differs: DuckDB refuses any SET of it, even to the same folder, once a
    query has spilled there. A no-op on other engines. -#}
{% macro use_temp_directory() %}
    {%- set wanted = env_var('SHOPSIGHT_DBT_TEMP_DIRECTORY', '') -%}
    {%- if execute and target.type == 'duckdb' and wanted -%}
        {%- set current = run_query("select current_setting('temp_directory')").columns[0].values()[0] -%}
        {%- if current != wanted -%}
            {%- do run_query("set temp_directory = '" ~ wanted | replace("'", "''") ~ "'") -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
