select
    package_id,
    region_code,
    quarter,
    source_file,
    source_row,
    organisation_id,
    name,
    kind,
    size_class,
    nace_code,
    country_code,
    nuts_code,
    cast(founded_year as integer) as founded_year,
    coalesce(cast(comparison_group as boolean), false) as comparison_group
from {{ source('packages', 'organisations') }}
