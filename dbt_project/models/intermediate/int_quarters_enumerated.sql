-- The region-quarter calendar: every quarter from the one holding the programme start s
-- to the quarter of the region's package in use. d is the quarter's last day.
with regions as (
    select
        regions.region_code,
        regions.programme_start,
        packages.reference_date as newest_reference_date
    from {{ ref('stg_programme__regions') }} as regions
    join {{ ref('int_packages_selected') }} as packages using (region_code)
),

quarters as (
    select
        region_code,
        programme_start,
        cast(quarter_start as date) as quarter_start
    from regions,
        generate_series(
            date_trunc('quarter', programme_start),
            date_trunc('quarter', newest_reference_date),
            interval 3 month
        ) as series(quarter_start)
)

select
    region_code,
    {{ quarter_code('quarter_start') }} as quarter,
    quarter_start,
    cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
    programme_start,
    greatest(programme_start, quarter_start) as in_quarter_start
from quarters
