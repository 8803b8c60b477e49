{#- A data test looks at the rows it must vouch for. With a scope (the environment's
    SHOPSIGHT_TESTS_LOADED_AFTER, set for the daily build's run: src/shopsight/build.py),
    that is the rows loaded after that instant, in a table that records when its rows were
    loaded (`source_loaded_at` in the incremental facts, `_loaded_at` in the landing
    tables, `loaded_at` in the staging views over them), and every row of any other table.
    Per-row tests (not_null, accepted values, expressions, a reference's parent) are exact
    on those rows; a key loaded again replaces its earlier row (the loader's current state,
    delete+insert in the facts), so `unique` on them is too. The full pass (every
    SHOPSIGHT_FULL_TEST_DAYS days, `--full-refresh`, `--all-tests`) looks at every row. A
    test's own `where` config still applies. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set since = tests_loaded_after() -%}
    {%- if since -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- for column in ['source_loaded_at', '_loaded_at', 'loaded_at'] if column in names -%}
            {%- if loop.first -%}
                {%- do conditions.append(column ~ " >= cast('" ~ since ~ "' as timestamp)") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The instant the running build's data tests start from, as a timestamp literal, or none.
    `shopsight build` puts it in the environment dbt runs in (empty for a full test pass).
    Read only when executing: an env var read while dbt parses would be recorded in the
    parsed project, and a new value would make dbt parse the project again on every build
    (decision 0022). Read once per test instead of a query per test (decision 0045). -#}
{% macro tests_loaded_after() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = env_var('SHOPSIGHT_TESTS_LOADED_AFTER', '') -%}
    {%- if not since -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?', since) -%}
        {{ exceptions.raise_compiler_error("SHOPSIGHT_TESTS_LOADED_AFTER is " ~ since ~ ", not a YYYY-MM-DD HH:MM:SS[.ffffff] timestamp") }}
    {%- endif -%}
    {{ return(since) }}
{%- endmacro %}
