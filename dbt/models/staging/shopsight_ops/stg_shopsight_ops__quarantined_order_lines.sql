{#- retail_db order lines still in the quarantine (neither re-admitted nor accepted with
    their file), with the order they name when the raw line shows one. -#}
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
        {{ safe_integer("split_part(quarantine.raw_line, ',', 2)") }} as order_id
    from quarantine
    left join accepted on quarantine.ingest_id = accepted.ingest_id
    where accepted.ingest_id is null
)

select * from final
