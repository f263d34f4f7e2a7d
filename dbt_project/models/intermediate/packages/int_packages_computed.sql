-- depends_on: {{ ref('int_indicator_cells_suppressed') }}
-- depends_on: {{ ref('int_firm_years_assembled') }}
-- The packages whose rows the incremental models hold, with the context they were computed
-- in. Built after int_indicator_cells_suppressed (which every other incremental model feeds)
-- and int_firm_years_assembled, so a build that fails before it leaves the previous record
-- and the next build recomputes.
select package_id, region_code, programme_start, suppression_threshold, code_fingerprint
from {{ ref('int_packages_to_compute') }}
