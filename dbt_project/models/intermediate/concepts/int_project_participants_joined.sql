-- Every participant of every project, outside partners included, with what the indicators
-- ask of it. A participation with a cluster_id is a programme participation; one without is
-- an outside partner, which counts as a partner of its project (its country, its kind) but is
-- never counted itself. EL and UK, as the EU writes them, are the same countries as GR and GB.
select
    participations.package_id,
    participations.region_code,
    participations.project_id,
    participations.organisation_id,
    participations.cluster_id,
    participations.source_row,
    participations.cluster_id is not null as is_programme_participation,
    coalesce(participations.grant_eur, 0) as grant_eur,
    organisations.kind,
    coalesce(organisations.size_class, 'unknown') as size_class,
    organisations.comparison_group,
    upper(left(organisations.nace_code, 1)) as nace_section,
    case upper(organisations.country_code)
        when 'GR' then 'EL'
        when 'GB' then 'UK'
        else upper(organisations.country_code)
    end as country_code,
    upper(organisations.nuts_code) as nuts_code
from {{ rows_to_compute(ref('stg_packages__participations')) }} as participations
join {{ rows_to_compute(ref('stg_packages__organisations')) }} as organisations
    using (package_id, organisation_id)
