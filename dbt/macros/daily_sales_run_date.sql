{#- The last day the daily product-sales mart runs to, as a SQL expression: `run_date` (the
    var of that name, passed by the model: build_state.py sees which models read a var),
    else the day of the latest net-revenue order line. On an incremental run the
    latest line is looked for from the mart's last built day on, a date constant that lets
    the scan skip the order lines' older row groups (they are clustered by order day); only
    when no line reaches that day any more (the run date moved back) is every line read. -#}
{% macro daily_sales_run_date(lines, run_date) %}
    {%- if run_date -%}
        {{ return("cast('" ~ run_date ~ "' as date)") }}
    {%- endif -%}
    {%- set everything = '(select max(order_date) from ' ~ lines ~ ' where is_net_revenue)' -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set built = run_query('select cast(max(sales_date) as ' ~ text_type() ~ ') from ' ~ this).rows -%}
    {%- if not built or not built[0][0] -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set recent = run_query(
        'select cast(max(order_date) as ' ~ text_type() ~ ') from ' ~ lines
        ~ " where is_net_revenue and order_date >= cast('" ~ built[0][0] ~ "' as date)").rows -%}
    {%- if recent and recent[0][0] -%}
        {{ return("cast('" ~ recent[0][0] ~ "' as date)") }}
    {%- endif -%}
    {{ return(everything) }}
{% endmacro %}
