select
    region_code,
    name as region_name,
    cast(programme_start as date) as programme_start
from {{ source('programme', 'regions') }}
