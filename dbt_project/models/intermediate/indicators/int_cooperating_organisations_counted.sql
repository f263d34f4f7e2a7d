-- Organisations cooperating in projects in period, counted through their programme
-- participations (outside partners count as partners of a project, never themselves):
-- RCO07 Research institutions participating in joint research projects (cumulative): distinct
--       universities and research institutions in a collaborative_rdi project that has >= 2
--       participating organisations (outside partners included).
-- RCO10 Enterprises cooperating with research institutions (cumulative): distinct enterprises
--       (not comparison_group) in a collaborative_rdi project that also has a university or
--       research_institution participant (outside partners included).
-- RCO87 Organisations cooperating across borders (cumulative): distinct organisations in a
--       project whose participants (outside partners included) come from >= 2 countries.
with programme_participants as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        participants.organisation_id as unit_id,
        participants.kind,
        participants.comparison_group,
        projects.project_type,
        projects.n_organisations,
        projects.n_countries,
        projects.has_research_participant
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_projects_characterised') }} as projects
        on projects.package_id = quarters.package_id
        and projects.start_date <= quarters.quarter_end
    join {{ ref('int_project_participants_joined') }} as participants
        on participants.package_id = projects.package_id
        and participants.project_id = projects.project_id
    where participants.is_programme_participation
),

research_institutions as (
    select * from programme_participants
    where project_type = 'collaborative_rdi'
        and kind in ('university', 'research_institution')
        and n_organisations >= 2
),

enterprises_with_researchers as (
    select * from programme_participants
    where project_type = 'collaborative_rdi'
        and kind = 'enterprise'
        and not comparison_group
        and has_research_participant
),

cross_border_participants as (
    select * from programme_participants where n_countries >= 2
)

{{ aggregate_by_breakdowns('research_institutions', 'RCO07') }}
union all by name
{{ aggregate_by_breakdowns('enterprises_with_researchers', 'RCO10') }}
union all by name
{{ aggregate_by_breakdowns('cross_border_participants', 'RCO87') }}
