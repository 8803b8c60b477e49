{#- The customers whose first version loaded at or after `loaded_after` (a SQL expression of
    one timestamp): until then their orders and lines were keyed to the Unknown customer,
    so these are the only ones a build must look for. Customers re-delivered with a change
    keep their key (it is the customer id's), so a change alone re-keys nothing. The
    history is read only for the customers loaded since (a few thousand a day). -#}
{% macro customers_first_loaded_since(loaded_after) %}
    select customers.customer_id
    from {{ ref('stg_retail_db__customers') }} as customers
    where customers.loaded_at >= {{ loaded_after }}
    except
    select history.customer_id
    from {{ source('retail_db', 'customers_history') }} as history
    where history._loaded_at < {{ loaded_after }}
        and history.customer_id in (
            select customer_id from {{ ref('stg_retail_db__customers') }}
            where loaded_at >= {{ loaded_after }}
        )
{% endmacro %}
