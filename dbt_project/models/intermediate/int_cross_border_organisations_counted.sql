-- RCO87 Organisations cooperating across borders (cumulative): distinct organisations with a
-- programme participation in a project in period whose participants (outside partners
-- included) come from >= 2 countries.
with cross_border_participants as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        participants.organisation_id as unit_id
    from {{ ref('int_quarters_enumerated') }} as quarters
    join {{ ref('int_projects_characterised') }} as projects
        on projects.package_id = quarters.package_id
        and projects.start_date <= quarters.quarter_end
    join {{ ref('int_project_participants_joined') }} as participants
        on participants.package_id = projects.package_id
        and participants.project_id = projects.project_id
    where projects.n_countries >= 2 and participants.is_programme_participation
)

{{ aggregate_by_breakdowns('cross_border_participants', 'RCO87') }}
