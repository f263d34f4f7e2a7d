-- Supported enterprises (spec, "Terms"): enterprises, not comparison_group, that received a
-- service delivered in the period, or have a programme participation (with a cluster_id) in a
-- project in period with public_funding_eur > 0. Their first support date is the earliest
-- such service date or project start, so an enterprise counts in quarter Q from that date on.
-- The first dates of grant support (RCO02) and of non-financial support (RCO04) are kept too,
-- each with its fact (the earliest such support; ties: table, then row, so every build picks
-- the same), for the contributions.
{%- set earliest_fact %}
    arg_min(
        {
            'fact': support.fact,
            'source_table': support.source_table,
            'source_row': support.source_row
        },
        (support.supported_on, support.source_table, support.source_row)
    )
{%- endset %}
with enterprises as (
    select package_id, organisation_id, coalesce(size_class, 'unknown') as size_class
    from {{ rows_to_compute(ref('stg_packages__organisations')) }}
    where kind = 'enterprise' and not comparison_group
),

services_in_period as (
    select
        services.package_id,
        services.region_code,
        services.organisation_id,
        services.delivered_on as supported_on,
        services.support_form = 'grant' and services.amount_eur > 0 as is_grant,
        services.support_form = 'non_financial' as is_non_financial,
        concat(
            'service ', services.service_id, ' (', services.service_type, ', ',
            services.support_form, coalesce(', ' || cast(services.amount_eur as decimal(18, 2))
            || ' EUR', ''), ') delivered ', services.delivered_on
        ) as fact,
        'services' as source_table,
        services.source_row
    from {{ rows_to_compute(ref('stg_packages__services')) }} as services
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
    where services.delivered_on >= regions.programme_start
),

funded_participations_in_period as (
    select
        participants.package_id,
        participants.region_code,
        participants.organisation_id,
        projects.start_date as supported_on,
        participants.grant_eur > 0 as is_grant,
        false as is_non_financial,
        concat(
            'programme participation in project ', projects.project_id, ' (public funding ',
            cast(projects.public_funding_eur as decimal(18, 2)), ' EUR, grant ',
            cast(participants.grant_eur as decimal(18, 2)), ' EUR) started ', projects.start_date
        ) as fact,
        'participations' as source_table,
        participants.source_row
    from {{ rows_to_compute(ref('int_project_participants_joined')) }} as participants
    join {{ rows_to_compute(ref('int_projects_in_period')) }} as projects
        using (package_id, project_id)
    where participants.is_programme_participation and projects.public_funding_eur > 0
),

support as (
    select * from services_in_period
    union all
    select * from funded_participations_in_period
)

select
    support.package_id,
    support.region_code,
    support.organisation_id,
    enterprises.size_class,
    enterprises.size_class in ('micro', 'small', 'medium') as is_sme,
    min(support.supported_on) as first_support_date,
    min(support.supported_on) filter (where support.is_grant) as first_grant_date,
    min(support.supported_on) filter (where support.is_non_financial) as first_non_financial_date,
    {{ earliest_fact }} as first_support_fact,
    {{ earliest_fact }} filter (where support.is_grant) as first_grant_fact,
    {{ earliest_fact }} filter (where support.is_non_financial) as first_non_financial_fact
from support
join enterprises using (package_id, organisation_id)
group by all

