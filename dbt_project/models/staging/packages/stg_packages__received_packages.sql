select
    package_id,
    region_code,
    quarter,
    cast(reference_date as date) as reference_date,
    cast(received_at as timestamptz) as received_at,
    status,
    message
from {{ source('packages', 'received_packages') }}
