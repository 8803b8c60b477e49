{{ config(materialized='view') }}

{#- Each event with what its URI says: /product/<id> names a product; 
    /department/<dept>/category/<category>/brand/<brand> a department page (slugs:
    lower case, spaces removed). Split with dbt's portable split_part.
    product_id: the product the event is about. A product page names it; a cart, purchase or
    cancel event carries the product last viewed before it in its session (by sequence
    number), since its URI names none; other events, or an action before any product view,
    have none. Portable without IGNORE NULLS (PostgreSQL lacks it): the running count of
    product views numbers the stretch each view opens. The SQL is macros/web_events_parsed.sql,
    which the incremental web models call on the sessions they rebuild. -#}
{{ web_events_parsed("select * from " ~ ref('stg_thelook__events')) }}
