-- Outcomes reported in the period (reported_on >= s), and how each is attributable (spec,
-- "Result"): through a project, when its project_id names a project in period and it was
-- reported on or after that project's start; through support, when its organisation is a
-- supported enterprise and it was reported on or after the first support date. An outcome is
-- in the period of quarter Q when reported_on <= d.
select
    outcomes.package_id,
    outcomes.region_code,
    outcomes.outcome_id,
    outcomes.organisation_id,
    outcomes.project_id,
    outcomes.outcome_type,
    coalesce(outcomes.quantity, 1) as quantity,
    outcomes.reported_on,
    outcomes.source_row,
    coalesce(outcomes.reported_on >= projects.start_date, false) as is_attributable_through_project,
    coalesce(outcomes.reported_on >= supported.first_support_date, false)
        as is_attributable_through_support,
    coalesce(supported.is_sme, false) as is_supported_sme
from {{ rows_to_compute(ref('stg_packages__outcomes')) }} as outcomes
join {{ ref('stg_programme__regions') }} as regions using (region_code)
left join {{ rows_to_compute(ref('int_projects_in_period')) }} as projects
    using (package_id, project_id)
left join {{ rows_to_compute(ref('int_enterprises_supported')) }} as supported
    using (package_id, organisation_id)
where outcomes.reported_on >= regions.programme_start
