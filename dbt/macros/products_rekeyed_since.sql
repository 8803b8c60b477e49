{#- The products whose deliveries loaded at or after `loaded_after` (a SQL expression of one
    timestamp) can have re-keyed order lines, each with the first order day it can have
    re-keyed. A version is valid from its delivery day (int_product_versions), so a delivery
    reshapes the versions from its day on and lines ordered before it keep theirs; except a
    delivery that is the product's earliest: the first version covers every earlier day, so
    every line of the product can move (rekeyed_from 1900-01-01). `deliveries`: a relation
    with product_id, delivered_on and loaded_at (default: the staged product versions). -#}
{% macro products_rekeyed_since(loaded_after, deliveries=none) %}
    select
        product_id,
        case
            when min(case when loaded_at >= {{ loaded_after }} then delivered_on end)
                <= min(delivered_on)
                then cast('1900-01-01' as date)
            else min(case when loaded_at >= {{ loaded_after }} then delivered_on end)
        end as rekeyed_from
    from {{ deliveries or ref('stg_retail_db__product_versions') }}
    group by product_id
    having max(loaded_at) >= {{ loaded_after }}
{% endmacro %}

{#- The earliest order day any product delivered since can have re-keyed, as a date literal
    (9999-12-31 when none was): a constant the scans of the order lines, which are clustered
    by order day, skip the older row groups with. Read when the model compiles. -#}
{% macro earliest_rekeyed_day(loaded_after, deliveries=none) %}
    {%- if not execute -%}
        {{ return("cast('9999-12-31' as date)") }}
    {%- endif -%}
    {%- set rows = run_query(
        "select cast(min(rekeyed_from) as " ~ text_type() ~ ") from ("
        ~ products_rekeyed_since(loaded_after, deliveries) ~ ") as rekeyed").rows -%}
    {%- set day = rows[0][0] if rows and rows[0][0] else '9999-12-31' -%}
    {{ return("cast('" ~ day ~ "' as date)") }}
{% endmacro %}
