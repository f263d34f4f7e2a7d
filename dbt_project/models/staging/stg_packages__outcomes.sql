select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    outcome_id,
    organisation_id,
    project_id,
    cast(reported_on as date) as reported_on,
    outcome_type,
    cast(quantity as integer) as quantity
from {{ source('packages', 'outcomes') }}
