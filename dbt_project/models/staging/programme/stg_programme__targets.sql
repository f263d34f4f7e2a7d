select
    region_code,
    indicator_code,
    cast(year as integer) as year,
    cast(target_value as double) as target_value,
    kind as target_kind
from {{ source('programme', 'targets') }}
