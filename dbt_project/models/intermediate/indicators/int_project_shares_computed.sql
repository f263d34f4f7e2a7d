-- Shares of the projects in period (cumulative, 0-100; null where there is no project in
-- period). Participants include outside partners.
-- RES01 Cross-cluster projects: participants' cluster_ids and the lead cluster span >= 2
--       clusters.
-- RES02 Cross-sector projects: enterprise participants span >= 2 NACE sections (the first
--       letter of nace_code; enterprises without one are left out).
-- RES03 Triple-helix projects: >= 1 enterprise, >= 1 university or research institution and
--       >= 1 public authority among all participants.
-- RES04 Interregional projects: >= 1 participant located outside the package's region.
with projects_by_quarter as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        projects.project_id,
        projects.n_clusters >= 2 as is_cross_cluster,
        projects.n_enterprise_nace_sections >= 2 as is_cross_sector,
        projects.has_enterprise and projects.has_research_participant
            and projects.has_public_authority as is_triple_helix,
        projects.has_participant_outside_region as is_interregional
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    left join {{ ref('int_projects_characterised') }} as projects
        on projects.package_id = quarters.package_id
        and projects.start_date <= quarters.quarter_end
),

shares as (
    select
        package_id,
        region_code,
        quarter,
        100.0 * count(*) filter (where is_cross_cluster) / nullif(count(project_id), 0) as res01,
        100.0 * count(*) filter (where is_cross_sector) / nullif(count(project_id), 0) as res02,
        100.0 * count(*) filter (where is_triple_helix) / nullif(count(project_id), 0) as res03,
        100.0 * count(*) filter (where is_interregional) / nullif(count(project_id), 0) as res04
    from projects_by_quarter
    group by all
)

select package_id, region_code, quarter, upper(indicator_code) as indicator_code,
    'total' as breakdown, value
from shares
unpivot include nulls (value for indicator_code in (res01, res02, res03, res04))
