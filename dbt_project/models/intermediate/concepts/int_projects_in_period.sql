-- Projects in period (spec, "Terms"): status running or completed and start_date in the
-- period [s, d]. Planned and cancelled projects never count, nor does a project started
-- before the programme start s. A project is in the period of quarter Q when start_date <= d.
select
    projects.package_id,
    projects.region_code,
    projects.project_id,
    projects.lead_cluster_id,
    projects.project_type,
    projects.start_date,
    projects.total_cost_eur,
    projects.public_funding_eur,
    projects.source_row
from {{ rows_to_compute(ref('stg_packages__projects')) }} as projects
join {{ ref('stg_programme__regions') }} as regions using (region_code)
where projects.status in ('running', 'completed')
    and projects.start_date >= regions.programme_start
