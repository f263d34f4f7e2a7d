-- OUT03 Projects started (cumulative + in-quarter), by project type: each project in period
-- counts from its start.
with projects as (
    select
        package_id,
        region_code,
        project_id as unit_id,
        project_type,
        start_date as counts_from,
        cast(null as date) as counts_until,
        concat(
            project_type, ' project started ', start_date, ', total cost ',
            cast(total_cost_eur as decimal(18, 2)), ' EUR'
        ) as fact,
        'projects' as source_table,
        source_row
    from {{ rows_to_compute(ref('int_projects_in_period')) }}
)

{{ contributions_by_breakdowns('projects', 'OUT03', {'project_type': 'true'}) }}
