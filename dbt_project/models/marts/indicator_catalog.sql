-- The indicator catalogue (docs/spec/indicators.md), published with the indicators.
select
    indicator_code,
    catalog_order,
    level,
    name,
    unit,
    kind,
    definition,
    nullif(eu_code, '') as eu_code,
    nullif(breakdowns, '') as breakdowns
from {{ ref('indicator_definitions') }}
