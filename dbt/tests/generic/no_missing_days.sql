{#- A dense daily series: per key, as many rows as days between its first and last day. -#}
{% test no_missing_days(model, key, date_column) %}
    select {{ key }}
    from {{ model }}
    group by {{ key }}
    having count(*) <> {{ dbt.datediff('min(' ~ date_column ~ ')', 'max(' ~ date_column ~ ')', 'day') }} + 1
        or count(*) <> count(distinct {{ date_column }})
{% endtest %}
