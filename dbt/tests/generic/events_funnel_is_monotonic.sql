{#- Per day and traffic source, the raw events narrow down the funnel: purchases <= carts
    <= product views. Holds by construction of a session; a break means events were lost
    (warn: quarantined event rows cause it). -#}
{% test events_funnel_is_monotonic(model) %}
select session_date_key, traffic_source,
    sum(product_views) as product_views, sum(carts) as carts, sum(purchases) as purchases
from {{ model }}
group by 1, 2
having not (sum(purchases) <= sum(carts) and sum(carts) <= sum(product_views))
{% endtest %}
