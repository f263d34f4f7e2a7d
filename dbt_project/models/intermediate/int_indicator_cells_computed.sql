-- Every cell of every computed indicator for every package computed and each quarter of its
-- calendar, zeros included: the cell grid (seed indicator_cells) times the calendar, filled
-- from the indicator models. A cell an indicator model did not emit counts nothing, so it is
-- 0; a cell it emitted with a null value (a share over an empty denominator) stays null.
{%- set indicator_models = [
    'int_clusters_counted',
    'int_members_counted',
    'int_supported_enterprises_counted',
    'int_cooperating_organisations_counted',
    'int_projects_counted',
    'int_events_counted',
    'int_public_support_summed',
    'int_innovating_smes_counted',
    'int_applications_summed',
    'int_project_shares_computed',
    'int_member_retention_computed',
    'int_labelled_clusters_counted',
    'int_firm_growth_counted',
] %}
with computed as (
    {%- for model in indicator_models %}
    {% if not loop.first %}union all by name{% endif %}
    select * from {{ ref(model) }}
    {%- endfor %}
)

select
    quarters.package_id,
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
from {{ for_packages_to_compute(ref('int_quarters_enumerated')) }} as quarters
cross join {{ ref('indicator_cells') }} as cells
join {{ ref('indicator_definitions') }} as catalog using (indicator_code)
left join computed using (package_id, quarter, indicator_code, breakdown)
