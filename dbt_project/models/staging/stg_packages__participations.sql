select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    project_id,
    organisation_id,
    role,
    cluster_id,
    cast(grant_eur as decimal(18, 6)) as grant_eur
from {{ source('packages', 'participations') }}
