{#- Type-2 history: per key, each version's [valid_from, valid_to) ends where the next
    begins, so no point in time has two versions. -#}
{% test windows_do_not_overlap(model, key, valid_from, valid_to) %}
    with ordered as (
        select
            {{ key }} as entity,
            {{ valid_from }} as valid_from,
            {{ valid_to }} as valid_to,
            lead({{ valid_from }}) over (partition by {{ key }} order by {{ valid_from }}) as next_from
        from {{ model }}
    )
    select * from ordered
    where valid_to <= valid_from
        or (next_from is not null and valid_to <> next_from)
        or (next_from is null and valid_to is not null and valid_to < valid_from)
{% endtest %}
