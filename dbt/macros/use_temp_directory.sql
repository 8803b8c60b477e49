{#- DuckDB's spill folder, from SHOPSIGHT_TEMP_DIRECTORY (passed on by `shopsight build`):
    the SET for a model's pre-hook, or nothing when the folder is already the one wanted.
    DuckDB refuses any SET of it, even to the same folder, once a query has spilled there,
    so it cannot be one of the profile's settings (dbt applies those on every cursor).
    The variable is read only while executing: read while parsing, dbt would record it
    against every model, and parse them all again for a warehouse whose folder differs
    (decision 0060). -#}
{% macro use_temp_directory() %}
    {%- set wanted = env_var('SHOPSIGHT_DBT_TEMP_DIRECTORY', '') if execute else '' -%}
    {%- if execute and target.type == 'duckdb' and wanted -%}
        {%- set current = run_query("select current_setting('temp_directory')").columns[0].values()[0] -%}
        {%- if current != wanted -%}
            set temp_directory = '{{ wanted | replace("'", "''") }}'
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
