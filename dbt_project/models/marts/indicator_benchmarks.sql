-- Benchmarking, not ranking (spec): each region's headline value beside the distribution over
-- all regions for the same indicator and quarter (min, quartiles, median, max, n regions).
-- Where regions differ in size, counts and sums are also normalised per 100 member
-- enterprises (OUT02 kind=enterprise) and per cluster (OUT01); shares are compared as they
-- are, and the size measures only per cluster (members per cluster). Suppressed values, and values normalised by a
-- suppressed size, are left out (null), so nothing withheld can be recovered. There is no rank
-- and the rows are not ordered by value.
with headlines as (
    select values.region_code, values.quarter, values.indicator_code, values.value, values.unit
    from {{ ref('indicator_values') }} as values
    where values.breakdown = 'total'
),

sizes as (
    select
        region_code,
        quarter,
        max(value) filter (where indicator_code = 'OUT02' and breakdown = 'kind=enterprise')
            as member_enterprises,
        max(value) filter (where indicator_code = 'OUT01' and breakdown = 'total') as clusters
    from {{ ref('indicator_values') }}
    group by all
),

normalised as (
    select region_code, quarter, indicator_code, 'none' as normalisation, value
    from headlines
    union all
    select headlines.region_code, headlines.quarter, headlines.indicator_code,
        'per_100_member_enterprises', 100.0 * headlines.value / nullif(sizes.member_enterprises, 0)
    from headlines
    join sizes using (region_code, quarter)
    where headlines.unit not like '%\%%' escape '\'
        and headlines.indicator_code not in ('OUT01', 'OUT02')
    union all
    select headlines.region_code, headlines.quarter, headlines.indicator_code,
        'per_cluster', headlines.value / nullif(sizes.clusters, 0)
    from headlines
    join sizes using (region_code, quarter)
    where headlines.unit not like '%\%%' escape '\' and headlines.indicator_code <> 'OUT01'
)

select
    region_code,
    quarter,
    indicator_code,
    normalisation,
    value as region_value,
    count(value) over peers as n_regions,
    min(value) over peers as min_value,
    quantile_cont(value, 0.25) over peers as lower_quartile,
    median(value) over peers as median_value,
    quantile_cont(value, 0.75) over peers as upper_quartile,
    max(value) over peers as max_value
from normalised
window peers as (partition by quarter, indicator_code, normalisation)
order by quarter, indicator_code, normalisation, region_code
