-- Targets and milestones (programme targets.csv) against what was achieved: the headline value
-- of the latest quarter computed up to the end of the target year (the year's last quarter
-- once it is reported; before that the newest quarter so far).
with achieved as (
    select
        targets.region_code,
        targets.indicator_code,
        targets.year,
        values.quarter,
        values.value,
        values.suppressed
    from (
        select distinct region_code, indicator_code, year from {{ ref('stg_programme__targets') }}
    ) as targets
    join {{ ref('indicator_values') }} as values
        on values.region_code = targets.region_code
        and values.indicator_code = targets.indicator_code
        and values.breakdown = 'total'
        and values.quarter <= targets.year || 'Q4'
    qualify row_number() over (
        partition by targets.region_code, targets.indicator_code, targets.year
        order by values.quarter desc
    ) = 1
)

select
    targets.region_code,
    targets.indicator_code,
    targets.year,
    targets.target_kind,
    targets.target_value,
    achieved.quarter as achieved_quarter,
    achieved.value as achieved_value,
    coalesce(achieved.suppressed, false) as achieved_suppressed,
    100.0 * achieved.value / nullif(targets.target_value, 0) as share_achieved
from {{ ref('stg_programme__targets') }} as targets
left join achieved using (region_code, indicator_code, year)
order by targets.region_code, targets.indicator_code, targets.year, targets.target_kind
