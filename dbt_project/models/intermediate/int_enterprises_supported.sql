-- Supported enterprises (spec, "Terms"): enterprises, not comparison_group, that received a
-- service delivered in the period, or have a programme participation (with a cluster_id) in a
-- project in period (running or completed, started in the period) with public funding > 0.
-- The period starts at the programme start s; its end d is the quarter asked for, so an
-- enterprise counts in quarter Q from its first support date on.
with regions as (
    select region_code, programme_start from {{ ref('stg_programme__regions') }}
),

enterprises as (
    select region_code, organisation_id, coalesce(size_class, 'unknown') as size_class
    from ({{ selected('stg_packages__organisations') }})
    where kind = 'enterprise' and not comparison_group
),

services_in_period as (
    select services.region_code, services.organisation_id, services.delivered_on as supported_on
    from ({{ selected('stg_packages__services') }}) as services
    join regions using (region_code)
    where services.delivered_on >= regions.programme_start
),

funded_participations_in_period as (
    select participations.region_code, participations.organisation_id, projects.start_date as supported_on
    from ({{ selected('stg_packages__participations') }}) as participations
    join ({{ selected('stg_packages__projects') }}) as projects using (package_id, project_id)
    join regions on regions.region_code = projects.region_code
    where participations.cluster_id is not null
        and projects.status in ('running', 'completed')
        and projects.start_date >= regions.programme_start
        and projects.public_funding_eur > 0
)

select
    enterprises.region_code,
    enterprises.organisation_id,
    enterprises.size_class,
    min(support.supported_on) as first_support_date
from enterprises
join (
    select * from services_in_period
    union all
    select * from funded_participations_in_period
) as support using (region_code, organisation_id)
group by all
