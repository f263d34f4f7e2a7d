-- Shares of the projects in period (cumulative, 0-100; null where there is no project in
-- period): every project in period is in the denominator from its start, and in the numerator
-- too where it has the property. Participants include outside partners.
-- RES01 Cross-cluster projects: participants' cluster_ids and the lead cluster span >= 2
--       clusters.
-- RES02 Cross-sector projects: enterprise participants span >= 2 NACE sections (the first
--       letter of nace_code; enterprises without one are left out).
-- RES03 Triple-helix projects: >= 1 enterprise, >= 1 university or research institution and
--       >= 1 public authority among all participants.
-- RES04 Interregional projects: >= 1 participant located outside the package's region.
with projects as (
    select
        *,
        project_id as unit_id,
        start_date as counts_from,
        cast(null as date) as counts_until,
        concat(project_type, ' project started ', start_date, ': ') as described,
        'projects' as source_table
    from {{ rows_to_compute(ref('int_projects_characterised')) }}
),

cross_cluster as (
    select
        *,
        n_clusters >= 2 as in_numerator,
        concat(described, 'participants and lead cluster span ', n_clusters, ' clusters') as fact
    from projects
),

cross_sector as (
    select
        *,
        n_enterprise_nace_sections >= 2 as in_numerator,
        concat(
            described, 'enterprise participants span ', n_enterprise_nace_sections,
            ' NACE sections'
        ) as fact
    from projects
),

triple_helix as (
    select
        *,
        has_enterprise and has_research_participant and has_public_authority as in_numerator,
        concat(
            described, 'enterprise ', has_enterprise, ', university or research institution ',
            has_research_participant, ', public authority ', has_public_authority
        ) as fact
    from projects
),

interregional as (
    select
        *,
        has_participant_outside_region as in_numerator,
        concat(
            described, 'participant outside the region ', has_participant_outside_region
        ) as fact
    from projects
)
{%- for projects, indicator_code in [
    ('cross_cluster', 'RES01'),
    ('cross_sector', 'RES02'),
    ('triple_helix', 'RES03'),
    ('interregional', 'RES04'),
] %}
{{ 'union all' if not loop.first }}
{{ contributions_by_breakdowns(projects, indicator_code, role='denominator') }}
union all
{{ contributions_by_breakdowns(
    '(select * from ' ~ projects ~ ' where in_numerator)', indicator_code, role='numerator'
) }}
{%- endfor %}
