-- RCR06 Patent applications submitted (cumulative): each patent_application outcome that is
-- attributable (through a project or through support) adds its quantity from the day it was
-- reported.
-- RCR07 Trademark and design applications: as RCR06 with trademark_application and
-- design_application.
-- RCR08 Publications from supported projects: each publication outcome attributable through a
-- project (only that way) adds its quantity.
with attributable_outcomes as (
    select
        package_id,
        region_code,
        outcome_id as unit_id,
        outcome_type,
        quantity,
        is_attributable_through_project,
        reported_on as counts_from,
        cast(null as date) as counts_until,
        concat(
            outcome_type, ' of organisation ', organisation_id, ' reported ', reported_on,
            ', quantity ', quantity, ', attributable through ',
            case
                when is_attributable_through_project and is_attributable_through_support
                    then 'project ' || project_id || ' and through support'
                when is_attributable_through_project then 'project ' || project_id
                else 'support'
            end
        ) as fact,
        'outcomes' as source_table,
        source_row
    from {{ rows_to_compute(ref('int_outcomes_attributable')) }}
    where is_attributable_through_project or is_attributable_through_support
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

{{ contributions_by_breakdowns('patent_applications', 'RCR06', addend='quantity') }}
union all
{{ contributions_by_breakdowns(
    'trademark_and_design_applications', 'RCR07', addend='quantity'
) }}
union all
{{ contributions_by_breakdowns('project_publications', 'RCR08', addend='quantity') }}
