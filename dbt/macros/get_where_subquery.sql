{#- A data test looks at the rows it must vouch for. With a scope in shopsight_ops.test_scope
    (set for the daily build's run: src/shopsight/build_state.py), that is the rows loaded
    after that instant, in a table that records when its rows were loaded
    (`source_loaded_at` in the incremental facts, `_loaded_at` in the landing tables,
    `loaded_at` in the staging views over them), and every row of any other table. Per-row tests (not_null, accepted values,
    expressions, a reference's parent) are exact on those rows; a key loaded again replaces
    its earlier row (the loader's current state, delete+insert in the facts), so `unique`
    on them is too. The full pass (every SHOPSIGHT_FULL_TEST_DAYS days, `--full-refresh`,
    `--all-tests`) looks at every row. A test's own `where` config still applies. -#}
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
    Read from the warehouse at run time, not from an env var or a var: either would make dbt
    parse the project again on every build. -#}
{% macro tests_loaded_after() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set table = adapter.get_relation(database=target.database | default(none), schema='shopsight_ops', identifier='test_scope') -%}
    {%- if table is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rows = run_query('select cast(loaded_after as ' ~ text_type() ~ ') from ' ~ table).rows -%}
    {%- if not rows or rows[0][0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = rows[0][0] -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}', since) -%}
        {{ exceptions.raise_compiler_error("shopsight_ops.test_scope holds " ~ since ~ ", not a YYYY-MM-DD HH:MM:SS timestamp") }}
    {%- endif -%}
    {{ return(since) }}
{%- endmacro %}
