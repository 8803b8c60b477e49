{#- The retail dimensions' keys are integers made from their natural keys, not md5 text: a
    customer's key is its id, a product version's is its product id and first day
    (yyyymmdd) as one number, product 7 from 2024-01-21 being 720240121. Exact (no hash to
    collide), the same on every engine, and a quarter of an md5 text's width in the order-line
    fact, which writes two of them per line (decision 0047). -#}
{% macro customer_key(customer_id) -%}
    cast({{ customer_id }} as bigint)
{%- endmacro %}

{#- Unique because a version's first day is below 10^8 as yyyymmdd: product_id and day
    never mix, negative ids included. -#}
{% macro product_version_key(product_id, valid_from) -%}
    (cast({{ product_id }} as bigint) * 100000000 + {{ date_key(valid_from) }})
{%- endmacro %}

{#- The unknown member's key in a retail dimension: -1 (the unknown customer's id as well).
    No product version takes it: that would be product -1 on the 99,999,999th day. -#}
{% macro unknown_retail_key() -%}
    cast(-1 as bigint)
{%- endmacro %}
