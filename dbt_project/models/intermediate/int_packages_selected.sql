-- Each region's package in use: its newest accepted package restates the whole past
-- (snapshot semantics), so every indicator of every quarter is computed from it.
select
    received.region_code,
    received.package_id,
    received.quarter as package_quarter,
    received.reference_date
from {{ ref('stg_packages__received_packages') }} as received
semi join {{ ref('stg_programme__regions') }} as regions using (region_code)
where received.status = 'accepted'
qualify row_number() over (partition by received.region_code order by received.reference_date desc) = 1
