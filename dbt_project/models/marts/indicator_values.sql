-- The published indicators: one row per region, quarter, indicator and breakdown cell, from
-- each region's package in use. A suppressed cell keeps its row with a null value, so it is
-- never mistaken for a zero.
select
    cells.region_code,
    cells.quarter,
    cells.indicator_code,
    cells.breakdown,
    case when not cells.suppressed then cast(cells.value as double) end as value,
    case when not cells.suppressed then cast(cells.value_in_quarter as double) end
        as value_in_quarter,
    catalog.unit,
    cells.suppressed
from {{ ref('int_indicator_cells_suppressed') }} as cells
join {{ ref('indicator_catalog') }} as catalog using (indicator_code)
semi join {{ ref('int_packages_in_scope') }} as packages
    on packages.package_id = cells.package_id and packages.in_use
order by cells.region_code, cells.quarter, catalog.catalog_order, cells.cell_order
