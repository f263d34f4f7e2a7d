-- Confidentiality (spec, "Confidentiality"); the threshold is settings.toml's (default 3), as
-- recorded per package by int_packages_to_compute.
-- Primary: an enterprise cell counting or summing over 1 .. threshold-1 enterprises.
-- Secondary: where a breakdown's cells add up to an unsuppressed total and exactly one cell is
-- suppressed, the smallest other cell is suppressed too (ties: first in catalogue order).
-- Breakdowns are settled headline first (family_total = 'total'), then the nested ones
-- (OUT02 size classes, whose total is kind=enterprise), whose total may just have been
-- suppressed by the first pass.
with primary_suppressed as (
    select
        cells.*,
        packages.suppression_threshold as threshold,
        cells.enterprise_cell and cells.n_enterprises between 1 and packages.suppression_threshold - 1
            as suppressed
    from {{ rows_to_compute(ref('int_indicator_cells_computed')) }} as cells
    join {{ ref('int_packages_to_compute') }} as packages using (package_id)
),

headline_families as (
    {{ suppress_secondary('primary_suppressed', "members.family_total = 'total'") }}
),

nested_families as (
    {{ suppress_secondary('headline_families', "members.family_total <> 'total'") }}
)

select * from nested_families
