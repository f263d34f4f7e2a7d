-- depends_on: {{ ref('int_indicator_cells_suppressed') }}
-- The packages whose rows the incremental models hold, with the context they were computed
-- in. Built after int_indicator_cells_suppressed, which every incremental model feeds, so a
-- build that fails before it leaves the previous record and the next build recomputes.
select package_id, region_code, programme_start, suppression_threshold, code_fingerprint
from {{ ref('int_packages_planned') }}
