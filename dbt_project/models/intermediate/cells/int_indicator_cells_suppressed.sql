-- Confidentiality (spec 1.1, "Confidentiality"); the threshold is settings.toml's (default 3),
-- as recorded per package by int_packages_to_compute.
-- Primary: an enterprise cell counting or summing over 1 .. threshold-1 enterprises.
-- Secondary (macros/suppress_secondary.sql): a family with a published total and a hidden
-- cell that subtraction would pin gets a cell above the threshold withheld, or its total.
-- The nested families go first (OUT02 enterprises by size class, whose total kind=enterprise
-- is itself a cell of OUT02 by kind), then the headline ones: withholding kind=enterprise
-- can expose OUT02 by kind, while a cell the headline pass withholds is in no nested family or
-- is the total of one, which exposes nothing. So the two passes reach the spec's "repeat
-- until nothing changes"; the test suppression_settled checks it.
with primary_suppressed as (
    select
        cells.*,
        packages.suppression_threshold as threshold,
        cells.enterprise_cell and cells.n_enterprises between 1 and packages.suppression_threshold - 1
            as suppressed
    from {{ rows_to_compute(ref('int_indicator_cells_computed')) }} as cells
    join {{ ref('int_packages_to_compute') }} as packages using (package_id)
),

nested_families as (
    {{ suppress_secondary('primary_suppressed', "members.family_total <> 'total'") }}
),

headline_families as (
    {{ suppress_secondary('nested_families', "members.family_total = 'total'") }}
)

select * from headline_families
