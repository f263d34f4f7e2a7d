-- Confidentiality (spec, "Confidentiality").
-- Primary: an enterprise cell counting or summing over 1 .. threshold-1 enterprises.
-- Secondary: where a breakdown's cells add up to an unsuppressed total and exactly one cell is
-- suppressed, the smallest other cell is suppressed too (ties: first in catalogue order).
-- Breakdowns are settled headline first (family_total = 'total'), then the nested ones
-- (OUT02 size classes, whose total is kind=enterprise), whose total may just have been
-- suppressed by the first pass.
with threshold as (
    select coalesce(max(cast(value as integer)), 3) as threshold
    from {{ ref('stg_programme__settings') }}
    where setting = 'suppression_threshold'
),

primary_suppressed as (
    select
        cells.*,
        threshold.threshold,
        cells.enterprise_cell and cells.n_enterprises between 1 and threshold.threshold - 1
            as suppressed
    from {{ ref('int_indicator_cells_computed') }} as cells
    cross join threshold
),

headline_families as (
    {{ suppress_secondary('primary_suppressed', "members.family_total = 'total'") }}
),

nested_families as (
    {{ suppress_secondary('headline_families', "members.family_total <> 'total'") }}
)

select * from nested_families
