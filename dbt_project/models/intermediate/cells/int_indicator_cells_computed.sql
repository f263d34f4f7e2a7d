-- Every cell of every computed indicator for every package computed and each quarter of its
-- calendar, zeros included: the cell grid (seed indicator_cells) times the calendar, filled
-- from the indicator models. A cell an indicator model did not emit counts nothing, so it is
-- 0; a cell it emitted with a null value (a share over an empty denominator) stays null.
-- The indicator models are the models tagged `indicator` (models/intermediate/indicators/).
-- dbt learns a model's inputs when it parses, before it knows the tags, so each must also be
-- named below; tagged_models() stops the build, naming the model, where one is not.
-- depends_on: {{ ref('int_applications_summed') }}
-- depends_on: {{ ref('int_clusters_counted') }}
-- depends_on: {{ ref('int_cooperating_organisations_counted') }}
-- depends_on: {{ ref('int_events_counted') }}
-- depends_on: {{ ref('int_firm_growth_counted') }}
-- depends_on: {{ ref('int_innovating_smes_counted') }}
-- depends_on: {{ ref('int_labelled_clusters_counted') }}
-- depends_on: {{ ref('int_member_retention_computed') }}
-- depends_on: {{ ref('int_members_counted') }}
-- depends_on: {{ ref('int_project_shares_computed') }}
-- depends_on: {{ ref('int_projects_counted') }}
-- depends_on: {{ ref('int_public_support_summed') }}
-- depends_on: {{ ref('int_supported_enterprises_counted') }}
{%- set indicator_models = tagged_models('indicator') %}
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
from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
cross join {{ ref('indicator_cells') }} as cells
join {{ ref('indicator_definitions') }} as catalog using (indicator_code)
left join computed using (package_id, quarter, indicator_code, breakdown)
