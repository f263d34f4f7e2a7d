-- Organisations cooperating in projects in period, through their programme participations
-- (outside partners count as partners of a project, never themselves); each participation
-- counts its organisation from the project's start, so an organisation in several such
-- projects counts once, from the first:
-- RCO07 Research institutions participating in joint research projects (cumulative):
--       universities and research institutions in a collaborative_rdi project that has >= 2
--       participating organisations (outside partners included).
-- RCO10 Enterprises cooperating with research institutions (cumulative): enterprises (not
--       comparison_group) in a collaborative_rdi project that also has a university or
--       research_institution participant (outside partners included).
-- RCO87 Organisations cooperating across borders (cumulative): organisations in a project
--       whose participants (outside partners included) come from >= 2 countries.
with programme_participants as (
    select
        participants.package_id,
        participants.region_code,
        participants.organisation_id as unit_id,
        participants.kind,
        participants.comparison_group,
        projects.project_type,
        projects.n_organisations,
        projects.n_countries,
        projects.has_research_participant,
        projects.start_date as counts_from,
        cast(null as date) as counts_until,
        concat(
            participants.kind, ' in project ', projects.project_id, ' (', projects.project_type,
            ', started ', projects.start_date, ', through cluster ', participants.cluster_id, ')'
        ) as participation,
        'participations' as source_table,
        participants.source_row
    from {{ rows_to_compute(ref('int_projects_characterised')) }} as projects
    join {{ rows_to_compute(ref('int_project_participants_joined')) }} as participants
        using (package_id, project_id)
    where participants.is_programme_participation
),

research_institutions as (
    select *, concat(participation, ', ', n_organisations, ' participating organisations') as fact
    from programme_participants
    where project_type = 'collaborative_rdi'
        and kind in ('university', 'research_institution')
        and n_organisations >= 2
),

enterprises_with_researchers as (
    select *, concat(participation, ', which has a university or research participant') as fact
    from programme_participants
    where project_type = 'collaborative_rdi'
        and kind = 'enterprise'
        and not comparison_group
        and has_research_participant
),

cross_border_participants as (
    select *, concat(participation, ', participants from ', n_countries, ' countries') as fact
    from programme_participants
    where n_countries >= 2
)

{{ contributions_by_breakdowns('research_institutions', 'RCO07') }}
union all
{{ contributions_by_breakdowns('enterprises_with_researchers', 'RCO10') }}
union all
{{ contributions_by_breakdowns('cross_border_participants', 'RCO87') }}
