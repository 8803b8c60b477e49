{#- One row per landed file the ledger holds, with whether it is still untrusted: quarantined
    whole and neither re-admitted nor accepted by a person. -#}
with ledger as (
    select * from {{ source('shopsight_ops', 'ingest_ledger') }}
),

whole_file_quarantine as (
    select * from {{ source('shopsight_ops', 'quarantine') }}
    where line_number is null
),

accepted as (
    select * from {{ source('shopsight_ops', 'accepted_problems') }}
),

final as (
    select
        ledger.ingest_id,
        ledger.source,
        ledger.table_name,
        ledger.path,
        ledger.file_dt,
        ledger.status,
        ledger.reason,
        ledger.status = 'quarantined'
            and whole_file_quarantine.readmitted_in is null
            and accepted.ingest_id is null as is_untrusted,
        accepted.ingest_id is not null as is_accepted
    from ledger
    left join whole_file_quarantine on ledger.ingest_id = whole_file_quarantine.ingest_id
    left join accepted on ledger.ingest_id = accepted.ingest_id
)

select * from final
