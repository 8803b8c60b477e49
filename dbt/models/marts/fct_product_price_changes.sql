{#- Grain: one list-price change of one product. Units are counted on the order lines
    placed while each price was the list price (the version each fact row points at). -#}
with versions as (
    select * from {{ ref('dim_products') }} where not is_unknown
),

units_per_version as (
    select product_key, sum(quantity) as units
    from {{ ref('fct_order_items') }}
    group by product_key
),

paired as (
    select
        versions.product_id,
        versions.product_key,
        lag(versions.product_key) over by_version as previous_product_key,
        versions.valid_from as changed_on,
        lag(versions.list_price) over by_version as old_price,
        versions.list_price as new_price
    from versions
    window by_version as (partition by versions.product_id order by versions.valid_from)
),

final as (
    select
        paired.product_id,
        paired.product_key,
        paired.changed_on,
        paired.old_price,
        paired.new_price,
        paired.new_price - paired.old_price as price_change,
        cast(round(100.0 * (paired.new_price - paired.old_price) / paired.old_price, 2)
            as decimal(9, 2)) as change_pct,
        coalesce(before_change.units, 0) as units_sold_at_old_price,
        coalesce(after_change.units, 0) as units_sold_at_new_price
    from paired
    left join units_per_version as before_change
        on paired.previous_product_key = before_change.product_key
    left join units_per_version as after_change
        on paired.product_key = after_change.product_key
    where paired.old_price is not null and paired.old_price <> paired.new_price
)

select * from final
