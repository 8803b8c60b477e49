{#- Product type-2 history: one row per product and distinct (name, category, price) state,
    valid from the day its delivery arrived until the next change. Several deliveries on one
    day collapse to that day's last one; repeats of an unchanged row are not versions. -#}
with deliveries as (
    select * from {{ ref('stg_retail_db__product_versions') }}
),

last_of_each_day as (
    select
        *,
        row_number() over (
            partition by product_id, delivered_on
            order by delivered_in desc, delivered_at_line desc
        ) as rank_in_day
    from deliveries
),

compared as (
    select
        product_id,
        category_id,
        product_name,
        list_price,
        delivered_on,
        lag(list_price) over by_delivery as previous_price,
        lag(category_id) over by_delivery as previous_category_id,
        lag(product_name) over by_delivery as previous_name
    from last_of_each_day
    where rank_in_day = 1
    window by_delivery as (partition by product_id order by delivered_on)
),

changes as (
    select *
    from compared
    where previous_price is null
        or list_price <> previous_price
        or category_id <> previous_category_id
        or product_name <> previous_name
),

windowed as (
    select
        product_id,
        category_id,
        product_name,
        list_price,
        delivered_on,
        row_number() over by_change as version_number,
        lag(list_price) over by_change as previous_price,
        lead(delivered_on) over by_change as valid_to
    from changes
    window by_change as (partition by product_id order by delivered_on)
),

final as (
    select
        product_id,
        version_number,
        category_id,
        product_name,
        list_price,
        previous_price,
        -- The first version also covers orders placed before the catalog was first exported.
        case when version_number = 1 then cast('1900-01-01' as date) else delivered_on end
            as valid_from,
        valid_to,
        delivered_on as first_delivered_on,
        valid_to is null as is_current
    from windowed
)

select * from final
