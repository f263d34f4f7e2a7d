select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    cluster_id,
    organisation_id,
    cast(joined_on as date) as joined_on,
    cast(left_on as date) as left_on
from {{ source('packages', 'memberships') }}
