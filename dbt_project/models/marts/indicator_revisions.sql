-- Revisions: the cells whose value the package in use changed against the region's previous
-- package, for every quarter both packages cover. Both packages are computed by the same
-- models (int_packages_in_scope keeps the two newest). The package in use's values are shown
-- as published. The previous package's are withheld wherever a cell linked to them by a
-- suppression family (every cell of OUT02, every cell of RCO01; else the cell alone) is
-- suppressed in either package: its total, less the previous values beside it, would
-- otherwise give a cell the package in use hides (a cell left out of this table is
-- unchanged), or one the previous package hid. `suppressed` then marks every such row, so it
-- never tells which package withheld what.
with linked_indicators as (
    select distinct indicator_code from {{ ref('indicator_cells') }} where family_total is not null
),

cells as (
    select
        cells.*,
        packages.package_quarter,
        packages.in_use,
        bool_or(cells.suppressed) over (
            partition by cells.region_code, cells.quarter, cells.indicator_code,
                case when linked.indicator_code is null then cells.breakdown end
        ) as linked_suppressed
    from {{ ref('int_indicator_cells_suppressed') }} as cells
    join {{ ref('int_packages_in_scope') }} as packages using (package_id)
    left join linked_indicators as linked using (indicator_code)
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
    case when not previous.linked_suppressed then cast(previous.value as double) end
        as previous_value,
    case when not newest.suppressed then cast(newest.value as double) end as value,
    case when not previous.linked_suppressed then cast(previous.value_in_quarter as double) end
        as previous_value_in_quarter,
    case when not newest.suppressed then cast(newest.value_in_quarter as double) end
        as value_in_quarter,
    previous.linked_suppressed as suppressed
from newest
join previous using (region_code, quarter, indicator_code, breakdown)
where newest.value is distinct from previous.value
    or newest.value_in_quarter is distinct from previous.value_in_quarter
order by newest.region_code, newest.quarter, newest.indicator_code, newest.breakdown
