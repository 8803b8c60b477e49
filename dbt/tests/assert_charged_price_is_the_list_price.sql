{#- The two price histories agree: the unit price charged on an order line is the list
    price of the product version valid on its order day. A warning, not an error: a store
    may run promotions, and the mismatches are then the promotions to look at.

    The daily build looks at the lines it can have changed (macros/get_where_subquery.sql):
    lines loaded since the test scope's instant, and the lines of a product delivered since
    from the first day the delivery can have re-keyed (macros/products_rekeyed_since.sql).
    The full test pass looks at every line. -#}
{{ config(severity='warn') }}
{%- set since = tests_loaded_after() %}
{%- set since_sql = "cast('" ~ since ~ "' as timestamp)" %}
{#- The landed deliveries, named without ref() or source(): another parent would make the
    Airflow DAG run this test as soon as that parent is built, before the facts. -#}
{%- set deliveries = "(select product_id, cast(_file_dt as date) as delivered_on, "
    ~ "_loaded_at as loaded_at from "
    ~ api.Relation.create(database=target.database | default(none), schema='retail_db', identifier='products_history')
    ~ ") as deliveries" %}

with lines as (
    {% if since -%}
    select order_item_id, product_id, product_key, order_date, unit_price
    from {{ ref('fct_order_items') }}
    where source_loaded_at >= cast('{{ since }}' as timestamp)
    union
    select lines.order_item_id, lines.product_id, lines.product_key, lines.order_date,
        lines.unit_price
    from {{ ref('fct_order_items') }} as lines
    inner join ({{ products_rekeyed_since(since_sql, deliveries) }}) as rekeyed
        on lines.product_id = rekeyed.product_id
        and lines.order_date >= rekeyed.rekeyed_from
    where lines.order_date >= {{ earliest_rekeyed_day(since_sql, deliveries) }}
    {%- else -%}
    select order_item_id, product_id, product_key, order_date, unit_price
    from {{ ref('fct_order_items') }}
    {%- endif %}
)

select
    lines.order_item_id,
    lines.product_id,
    lines.order_date,
    lines.unit_price,
    products.list_price
from lines
inner join {{ ref('dim_products') }} as products
    on lines.product_key = products.product_key
where not products.is_unknown
    and lines.unit_price <> products.list_price
