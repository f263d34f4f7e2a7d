-- Staleness, defined once (README, "Glossary"): a region is *stale* in a quarter when the
-- package in use for that quarter (the newest accepted package it had sent for that quarter or
-- an earlier one) is older than the quarter, or when it has sent none. One row per region and
-- quarter, from the quarter holding its programme start to the reporting quarter: the last
-- quarter that has ended on the day the view is read, or the newest quarter any region
-- reported, if later. A view, so `clustermon status` reading it tomorrow gets tomorrow's answer
-- (a reader may set the DuckDB variable as_of_date to ask about another day); data_quality
-- takes its quarters from it, the published region_staleness its reporting quarter.
{%- set as_of = "coalesce(getvariable('as_of_date'), current_date)" %}
with accepted as (
    select region_code, quarter, reference_date
    from {{ ref('stg_packages__received_packages') }}
    where status = 'accepted'
),

reporting as (
    select greatest(
        cast(date_trunc('quarter', {{ as_of }}) - interval 1 day as date),
        (select max(reference_date) from accepted)
    ) as quarter_end
),

calendar as (
    select
        regions.region_code,
        {{ quarter_code('series.quarter_start') }} as quarter,
        cast(series.quarter_start + interval 3 month - interval 1 day as date) as quarter_end
    from {{ ref('stg_programme__regions') }} as regions
    cross join reporting,
        generate_series(
            date_trunc('quarter', regions.programme_start),
            date_trunc('quarter', reporting.quarter_end),
            interval 3 month
        ) as series(quarter_start)
),

in_use_then as (
    select
        calendar.region_code,
        calendar.quarter,
        accepted.quarter as package_quarter,
        accepted.reference_date
    from calendar
    join accepted
        on accepted.region_code = calendar.region_code
        and accepted.reference_date <= calendar.quarter_end
    qualify row_number() over (
        partition by calendar.region_code, calendar.quarter order by accepted.reference_date desc
    ) = 1
)

select
    calendar.region_code,
    calendar.quarter,
    calendar.quarter_end,
    in_use_then.package_quarter as package_in_use_quarter,
    in_use_then.reference_date as package_in_use_reference_date,
    calendar.quarter_end - in_use_then.reference_date as days_stale,
    in_use_then.reference_date is distinct from calendar.quarter_end as stale,
    calendar.quarter_end = reporting.quarter_end as is_reporting_quarter
from calendar
cross join reporting
left join in_use_then using (region_code, quarter)
