-- Each programme region as of the reporting quarter (the last quarter that has ended when the
-- table was built, or the newest quarter any region reported, if later): the package in use and
-- whether the region is stale (int_region_quarters_covered has the definition). Published as of
-- the publication; `clustermon status` reads the same definition as of the day it runs.
select
    region_code,
    quarter as reporting_quarter,
    package_in_use_quarter,
    package_in_use_reference_date,
    days_stale,
    stale
from {{ ref('int_region_quarters_covered') }}
where is_reporting_quarter
order by region_code
