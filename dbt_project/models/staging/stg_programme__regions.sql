select
    region_code,
    name as region_name,
    coalesce(cast(programme_start as date), date '2021-01-01') as programme_start
from {{ source('programme', 'regions') }}
