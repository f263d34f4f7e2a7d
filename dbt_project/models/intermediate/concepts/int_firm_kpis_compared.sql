-- Firm figures of each enterprise supported by d, in its base year B (the year before the
-- year of its first support date) and in Y, the latest year with firm_kpis for it that has
-- ended by d (31 December of Y <= d) and is after B. Only enterprises with rows in both
-- years are here (spec, "Impact").
with supported_by_quarter as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        quarters.quarter_end,
        supported.organisation_id,
        supported.is_sme,
        year(supported.first_support_date) - 1 as base_year
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ rows_to_compute(ref('int_enterprises_supported')) }} as supported
        on supported.package_id = quarters.package_id
        and supported.first_support_date <= quarters.quarter_end
),

kpis as (
    select * from {{ rows_to_compute(ref('stg_packages__firm_kpis')) }}
),

-- An aggregate, not a window (row_number): DuckDB spills an aggregate to disk within dbt's
-- memory limit, while the window ran out of memory at EU scale (make bench, 240 regions).
latest_years as (
    select supported.*, max(kpis.year) as latest_year
    from supported_by_quarter as supported
    join kpis using (package_id, organisation_id)
    where kpis.year > supported.base_year
        and make_date(kpis.year, 12, 31) <= supported.quarter_end
    group by all
)

select
    latest.package_id,
    latest.region_code,
    latest.quarter,
    latest.organisation_id,
    latest.is_sme,
    latest.base_year,
    latest.latest_year,
    base.employees_fte as base_employees_fte,
    latest_kpis.employees_fte as latest_employees_fte,
    base.turnover_eur as base_turnover_eur,
    latest_kpis.turnover_eur as latest_turnover_eur,
    base.value_added_eur as base_value_added_eur,
    latest_kpis.value_added_eur as latest_value_added_eur
from latest_years as latest
join kpis as base
    on base.package_id = latest.package_id
    and base.organisation_id = latest.organisation_id
    and base.year = latest.base_year
join kpis as latest_kpis
    on latest_kpis.package_id = latest.package_id
    and latest_kpis.organisation_id = latest.organisation_id
    and latest_kpis.year = latest.latest_year
