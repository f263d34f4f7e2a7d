-- The region-quarter calendar of each package computed: every quarter from the one holding
-- the programme start s to the package's own quarter. d is the quarter's last day.
with packages as (
    select
        packages.package_id,
        packages.region_code,
        packages.in_use,
        packages.reference_date,
        regions.programme_start
    from {{ ref('int_packages_in_scope') }} as packages
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
),

quarters as (
    select
        package_id,
        region_code,
        in_use,
        programme_start,
        cast(quarter_start as date) as quarter_start
    from packages,
        generate_series(
            date_trunc('quarter', programme_start),
            date_trunc('quarter', reference_date),
            interval 3 month
        ) as series(quarter_start)
)

select
    package_id,
    region_code,
    in_use,
    {{ quarter_code('quarter_start') }} as quarter,
    quarter_start,
    cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
    programme_start,
    greatest(programme_start, quarter_start) as in_quarter_start
from quarters
