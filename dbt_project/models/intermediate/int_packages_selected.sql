-- The packages computed. Each region's package in use is its newest accepted package: it
-- restates the whole past (snapshot semantics), so every published indicator of every quarter
-- is computed from it. The accepted package before it is computed too, so that revisions
-- (values the newest package changed) can be shown without a second copy of every model.
select
    received.region_code,
    received.package_id,
    received.quarter as package_quarter,
    received.reference_date,
    row_number() over newest_first = 1 as in_use
from {{ ref('stg_packages__received_packages') }} as received
semi join {{ ref('stg_programme__regions') }} as regions using (region_code)
where received.status = 'accepted'
window newest_first as (partition by received.region_code order by received.reference_date desc)
qualify row_number() over newest_first <= 2
