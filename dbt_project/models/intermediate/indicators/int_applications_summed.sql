-- RCR06 Patent applications submitted (cumulative): sum of quantity of patent_application
-- outcomes reported in period that are attributable (through a project or through support).
-- RCR07 Trademark and design applications: as RCR06 with trademark_application and
-- design_application.
-- RCR08 Publications from supported projects: sum of quantity of publication outcomes in
-- period attributable through a project (only that way).
with attributable_outcomes as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        outcomes.outcome_id as unit_id,
        outcomes.outcome_type,
        outcomes.quantity,
        outcomes.is_attributable_through_project,
        outcomes.is_attributable_through_support
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_outcomes_attributable') }} as outcomes
        on outcomes.package_id = quarters.package_id
        and outcomes.reported_on <= quarters.quarter_end
    where outcomes.is_attributable_through_project or outcomes.is_attributable_through_support
),

patent_applications as (
    select * from attributable_outcomes where outcome_type = 'patent_application'
),

trademark_and_design_applications as (
    select * from attributable_outcomes
    where outcome_type in ('trademark_application', 'design_application')
),

project_publications as (
    select * from attributable_outcomes
    where outcome_type = 'publication' and is_attributable_through_project
)

{{ aggregate_by_breakdowns('patent_applications', 'RCR06', value='sum(quantity)') }}
union all by name
{{ aggregate_by_breakdowns('trademark_and_design_applications', 'RCR07', value='sum(quantity)') }}
union all by name
{{ aggregate_by_breakdowns('project_publications', 'RCR08', value='sum(quantity)') }}
