-- The firm-year panel of the impact estimates (IMP01-IMP04): every enterprise's annual
-- figures in the packages in use, with what the estimates stratify and time by. Names stay
-- out: the panel leaves the warehouse only as estimates over at least five firms.
with enterprises as (
    select
        package_id,
        organisation_id,
        comparison_group,
        nullif(upper(left(trim(nace_code), 1)), '') as nace_section,
        coalesce(size_class, 'unknown') as size_class
    from ({{ selected('stg_packages__organisations') }}) as organisations
    where kind = 'enterprise'
),

cohorts as (
    select
        package_id,
        organisation_id,
        min(year(joined_on)) as cohort
    from ({{ selected('stg_packages__memberships') }}) as memberships
    group by package_id, organisation_id
)

select
    kpis.region_code,
    kpis.organisation_id,
    enterprises.comparison_group,
    cohorts.cohort,
    enterprises.nace_section,
    enterprises.size_class,
    kpis.year,
    kpis.employees_fte,
    kpis.turnover_eur,
    kpis.exports_eur,
    kpis.rd_expenditure_eur
from ({{ selected('stg_packages__firm_kpis') }}) as kpis
join enterprises using (package_id, organisation_id)
left join cohorts using (package_id, organisation_id)
-- int_packages_selected also carries each region's previous package (for revisions): the
-- estimates use the package in use only.
semi join (select package_id from {{ ref('int_packages_selected') }} where in_use) as in_use
    using (package_id)
