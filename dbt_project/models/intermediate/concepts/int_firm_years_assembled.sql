-- The firm-year panel of the impact estimates (IMP01-IMP04): every enterprise's annual
-- figures in the packages in use, with what the estimates stratify and time by. Names stay
-- out: the panel leaves the warehouse only as estimates over at least five firms.
-- int_packages_in_scope also carries each region's previous package (for revisions): the
-- panel holds the packages in use only. It assembles those to compute (new, or in a changed
-- context: the pre-hook drops their rows first) and any other in use it does not hold, such as
-- a package in use again after a newer one was withdrawn.
{%- set packages_to_assemble = to_compute_among(
    'select package_id from ' ~ ref('int_packages_in_scope') ~ ' where in_use',
    'package_id in (select package_id from ' ~ ref('int_packages_to_compute') ~ ' where to_compute)'
    ~ ' or package_id not in (select package_id from ' ~ this ~ ')'
) %}
with enterprises as (
    select
        package_id,
        organisation_id,
        comparison_group,
        nullif(upper(left(trim(nace_code), 1)), '') as nace_section,
        coalesce(size_class, 'unknown') as size_class
    from {{ rows_to_compute(ref('stg_packages__organisations'), packages_to_assemble) }} as organisations
    where kind = 'enterprise'
),

cohorts as (
    select
        package_id,
        organisation_id,
        min(year(joined_on)) as cohort
    from {{ rows_to_compute(ref('stg_packages__memberships'), packages_to_assemble) }} as memberships
    group by package_id, organisation_id
)

select
    kpis.package_id,
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
from {{ rows_to_compute(ref('stg_packages__firm_kpis'), packages_to_assemble) }} as kpis
join enterprises using (package_id, organisation_id)
left join cohorts using (package_id, organisation_id)
