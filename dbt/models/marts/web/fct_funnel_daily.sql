{#- Grain: day × traffic source × product category (of the first product a session viewed).
    Sessions reaching each step, the events behind them, and the step-to-step rates. This is
    how campaign performance is read: the traffic source is the campaign channel. -#}
with sessions as (
    select * from {{ ref('fct_sessions') }}
),

daily as (
    select
        session_date_key,
        session_date,
        traffic_source_key,
        traffic_source,
        product_category,
        count(*) as sessions,
        sum(case when reached_product then 1 else 0 end) as sessions_with_product_view,
        sum(case when reached_cart then 1 else 0 end) as sessions_with_cart,
        sum(case when converted then 1 else 0 end) as sessions_with_purchase,
        sum(case when cart_abandoned then 1 else 0 end) as abandoned_carts,
        sum(product_views) as product_views,
        sum(carts) as carts,
        sum(purchases) as purchases
    from sessions
    group by 1, 2, 3, 4, 5
)

{% call contracted_select() %}
select
    daily.*,
    {%- for name, numerator, denominator in [
        ('product_view_rate', 'sessions_with_product_view', 'sessions'),
        ('cart_rate', 'sessions_with_cart', 'sessions_with_product_view'),
        ('purchase_rate', 'sessions_with_purchase', 'sessions_with_cart'),
        ('conversion_rate', 'sessions_with_purchase', 'sessions'),
    ] %}
    case when {{ denominator }} > 0
        then cast(round(cast({{ numerator }} as decimal(18, 6)) / {{ denominator }}, 4)
            as decimal(9, 4))
    end as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
from daily
{% endcall %}
