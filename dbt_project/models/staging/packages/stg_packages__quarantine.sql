select
    package_id,
    region_code,
    quarter,
    table_name,
    source_file,
    cast(source_row as bigint) as source_row,
    column_name,
    rule,
    value,
    message
from {{ source('packages', 'quarantine') }}
