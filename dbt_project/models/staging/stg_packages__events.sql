select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    event_id,
    cluster_id,
    cast(held_on as date) as held_on,
    event_type,
    cast(international as boolean) as international,
    cast(participants as integer) as participants,
    cast(participants_sme as integer) as participants_sme
from {{ source('packages', 'events') }}
