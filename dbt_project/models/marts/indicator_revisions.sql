-- Revisions: the cells whose value the package in use changed against the region's previous
-- package, for every quarter both packages cover. Both packages are computed by the same
-- models (int_packages_in_scope keeps the two newest). Values are shown as published, so a
-- suppressed value stays null on either side.
with cells as (
    select cells.*, packages.package_quarter, packages.in_use
    from {{ ref('int_indicator_cells_suppressed') }} as cells
    join {{ ref('int_packages_in_scope') }} as packages using (package_id)
),

newest as (select * from cells where in_use),

previous as (select * from cells where not in_use)

select
    newest.region_code,
    newest.quarter,
    newest.indicator_code,
    newest.breakdown,
    previous.package_quarter as previous_package_quarter,
    newest.package_quarter,
    case when not previous.suppressed then cast(previous.value as double) end as previous_value,
    case when not newest.suppressed then cast(newest.value as double) end as value,
    case when not previous.suppressed then cast(previous.value_in_quarter as double) end
        as previous_value_in_quarter,
    case when not newest.suppressed then cast(newest.value_in_quarter as double) end
        as value_in_quarter,
    previous.suppressed or newest.suppressed as suppressed
from newest
join previous using (region_code, quarter, indicator_code, breakdown)
where newest.value is distinct from previous.value
    or newest.value_in_quarter is distinct from previous.value_in_quarter
order by newest.region_code, newest.quarter, newest.indicator_code, newest.breakdown
