-- What the project indicators ask of each project in period, over all its participants
-- (outside partners included): how many organisations and countries, which kinds, how many
-- clusters (participants' cluster_ids and the lead cluster) and NACE sections it spans, and
-- whether a participant is located outside the package's region.
with participants as (
    select
        participants.*,
        -- Outside the region: its NUTS code is given and neither it nor the region's code
        -- starts with the other; or it has none and its country is not the region's.
        case
            when participants.nuts_code is not null
                then not (
                    starts_with(participants.nuts_code, participants.region_code)
                    or starts_with(participants.region_code, participants.nuts_code)
                )
            else participants.country_code is distinct from left(participants.region_code, 2)
        end as is_outside_region
    from {{ rows_to_compute(ref('int_project_participants_joined')) }} as participants
),

clusters_spanned as (
    select package_id, project_id, count(distinct cluster_id) as n_clusters
    from (
        select package_id, project_id, cluster_id from participants where cluster_id is not null
        union all
        select package_id, project_id, lead_cluster_id
        from {{ rows_to_compute(ref('int_projects_in_period')) }}
    )
    group by all
)

select
    projects.package_id,
    projects.region_code,
    projects.project_id,
    projects.project_type,
    projects.start_date,
    projects.source_row,
    count(distinct participants.organisation_id) as n_organisations,
    count(distinct participants.country_code) as n_countries,
    coalesce(max(clusters_spanned.n_clusters), 0) as n_clusters,
    count(distinct participants.nace_section) filter (where participants.kind = 'enterprise')
        as n_enterprise_nace_sections,
    coalesce(bool_or(participants.kind = 'enterprise'), false) as has_enterprise,
    coalesce(bool_or(participants.kind in ('university', 'research_institution')), false)
        as has_research_participant,
    coalesce(bool_or(participants.kind = 'public_authority'), false) as has_public_authority,
    coalesce(bool_or(participants.is_outside_region), false) as has_participant_outside_region
from {{ rows_to_compute(ref('int_projects_in_period')) }} as projects
left join participants using (package_id, project_id)
left join clusters_spanned using (package_id, project_id)
group by all
