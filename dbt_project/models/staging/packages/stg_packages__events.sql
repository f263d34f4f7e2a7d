-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    event_id,
    cluster_id,
    cast(held_on as date) as held_on,
    event_type,
    cast(international as boolean) as international,
    cast(participants as integer) as participants,
    cast(participants_sme as integer) as participants_sme
from {{ source('packages', 'events') }}
