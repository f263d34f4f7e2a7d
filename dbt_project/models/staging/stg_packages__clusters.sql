select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    cluster_id,
    name,
    nuts_code,
    sector,
    s3_priority,
    cast(founded_on as date) as founded_on,
    cast(closed_on as date) as closed_on,
    label,
    cast(label_valid_until as date) as label_valid_until,
    cast(management_fte as double) as management_fte
from {{ source('packages', 'clusters') }}
