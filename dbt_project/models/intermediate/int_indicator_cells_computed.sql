-- Every cell of every computed indicator for every region and quarter, zeros included: the
-- cell grid (seed indicator_cells) times the calendar, filled from the indicator models.
-- A cell an indicator model did not emit counts nothing, so it is 0; a cell it emitted with a
-- null value (a share over an empty denominator) stays null.
with computed as (
    select * from {{ ref('int_clusters_counted') }}
    union all by name
    select * from {{ ref('int_members_counted') }}
    union all by name
    select * from {{ ref('int_supported_enterprises_counted') }}
)

select
    quarters.region_code,
    quarters.quarter,
    cells.indicator_code,
    cells.breakdown,
    cells.cell_order,
    cells.enterprise_cell,
    cells.family_total,
    case when computed.indicator_code is null then 0 else computed.value end as value,
    case
        when catalog.kind like '%in-quarter%'
            then case when computed.indicator_code is null then 0 else computed.value_in_quarter end
    end as value_in_quarter,
    -- Enterprises a cell counts or sums over: the count itself unless the model says otherwise.
    coalesce(computed.n_enterprises, computed.value, 0) as n_enterprises
from {{ ref('int_quarters_enumerated') }} as quarters
cross join {{ ref('indicator_cells') }} as cells
join {{ ref('indicator_definitions') }} as catalog using (indicator_code)
left join (select *, null::double as value_in_quarter, null::double as n_enterprises from computed)
    as computed using (region_code, quarter, indicator_code, breakdown)
