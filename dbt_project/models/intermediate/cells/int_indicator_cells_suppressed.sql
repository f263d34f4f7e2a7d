-- Confidentiality (spec 1.1, "Confidentiality", in macros/suppress_secondary.sql); the
-- threshold is settings.toml's (default 3), as recorded per package by int_packages_to_compute.
with cells as (
    select cells.*, packages.suppression_threshold as threshold
    from {{ rows_to_compute(ref('int_indicator_cells_computed')) }} as cells
    join {{ ref('int_packages_to_compute') }} as packages using (package_id)
),

suppressed as (
    {{ suppress_cells('cells') }}
)

select * from suppressed
