{#- Before an incremental run of the daily mart: the days after the run date go (the run
    date moved back, or the last day's sales were cancelled), as a full build would not
    have them. The run date is the one given (var run_date, passed by the model, which
    so reads it), else the day of the latest net-revenue line. -#}
{% macro drop_days_after_run_date(run_date) %}
    {%- if is_incremental() -%}
    {%- if run_date -%}
        {%- set last_day = "cast('" ~ run_date ~ "' as date)" -%}
    {%- else -%}
        {%- set last_day = "(select coalesce(max(order_date), cast('1900-01-01' as date)) from "
            ~ ref('fct_order_items') ~ " where is_net_revenue)" -%}
    {%- endif -%}
    {{ delete_where(this, "sales_date > " ~ last_day) }}
    {%- endif -%}
{% endmacro %}
