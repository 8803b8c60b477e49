{#- retail_db order lines still in the quarantine (not re-admitted), with the order they name
    when the raw line shows one, and whether a person accepted their file as it is (the lines
    are then a known loss: their orders stay of unknown revenue, but keep no run red). -#}
with quarantine as (
    select * from {{ source('shopsight_ops', 'quarantine') }}
    where source = 'retail_db' and table_name = 'order_items' and line_number is not null
        and readmitted_in is null
),

accepted as (
    select * from {{ source('shopsight_ops', 'accepted_problems') }}
),

final as (
    select
        quarantine.quarantine_id,
        quarantine.path,
        quarantine.line_number,
        quarantine.reason,
        -- order_item_order_id is the export's second field.
        {{ safe_integer("split_part(quarantine.raw_line, ',', 2)") }} as order_id,
        accepted.ingest_id is not null as is_accepted
    from quarantine
    left join accepted on quarantine.ingest_id = accepted.ingest_id
)

select * from final
