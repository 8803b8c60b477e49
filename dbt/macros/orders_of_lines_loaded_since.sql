{#- The orders any version of an order line loaded at or after `loaded_after` (a SQL
    expression of one timestamp) named: a line re-delivered in another order leaves its old
    order, which only the line's earlier versions still name. The history is read only for
    the lines loaded since. -#}
{% macro orders_of_lines_loaded_since(loaded_after) %}
    select line_versions.order_item_order_id as order_id
    from {{ source('retail_db', 'order_items_history') }} as line_versions
    where line_versions.order_item_id in (
        select order_item_id from {{ ref('stg_retail_db__order_items') }}
        where loaded_at >= {{ loaded_after }}
    )
{% endmacro %}
