-- OUT03 Projects started (cumulative + in-quarter): projects in period; by project_type.
with projects as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        projects.project_id as unit_id,
        projects.project_type,
        projects.start_date >= quarters.in_quarter_start as is_in_quarter
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_projects_in_period') }} as projects
        on projects.package_id = quarters.package_id
        and projects.start_date <= quarters.quarter_end
)

{{ aggregate_by_breakdowns(
    'projects', 'OUT03', {'project_type': 'true'},
    value_in_quarter='count(distinct unit_id) filter (where is_in_quarter)'
) }}
