select
    key as setting,
    value
from {{ source('programme', 'settings') }}
