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
    {%- set column = test_scope_column(relation) if since else '' -%}
    {%- if column -%}
        {%- do conditions.append(column ~ " >= cast('" ~ since ~ "' as timestamp)") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The column that says when the relation's rows were loaded, or '' for none. `shopsight
    build` names each relation's in SHOPSIGHT_TESTS_SCOPE_COLUMNS, read from the catalog in
    one query before dbt starts; a relation it does not name (Spark's, one made by this
    build) is described here. A scoped build runs the project its last build ran (a changed
    project makes a full pass), so the columns are the ones the tests will find
    (decision 0059). -#}
{% macro test_scope_column(relation) -%}
    {%- set loaded_at_columns = ['source_loaded_at', '_loaded_at', 'loaded_at'] -%}
    {%- set text = env_var('SHOPSIGHT_TESTS_SCOPE_COLUMNS', '') or '{}' -%}
    {%- set known = fromjson(text) -%}
    {%- if known is not mapping -%}
        {{ exceptions.raise_compiler_error("SHOPSIGHT_TESTS_SCOPE_COLUMNS is not a JSON object of relation: column") }}
    {%- endif -%}
    {%- set key = (relation.schema ~ '.' ~ relation.identifier) | lower -%}
    {%- if key in known -%}
        {#- The value becomes SQL: only a loaded-at column's name, or none. -#}
        {%- if known[key] not in loaded_at_columns + [''] -%}
            {{ exceptions.raise_compiler_error("SHOPSIGHT_TESTS_SCOPE_COLUMNS names " ~ known[key] ~ " for " ~ key ~ ", not one of " ~ loaded_at_columns | join(', ') ~ " or nothing") }}
        {%- endif -%}
        {{ return(known[key]) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- for column in loaded_at_columns if column in names -%}
        {%- if loop.first -%}
            {{ return(column) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
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
