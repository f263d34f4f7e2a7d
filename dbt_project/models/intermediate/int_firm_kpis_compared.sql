-- Firm figures of each enterprise supported by d, in its base year B (the year before the
-- year of its first support date) and in Y, the latest year with firm_kpis for it that has
-- ended by d (31 December of Y <= d) and is after B. Only enterprises with rows in both
-- years are here (spec, "Impact").
-- B is fixed per enterprise and Y depends on d only through the last year ended by d, so each
-- enterprise's years are compared once per such year, not once per quarter.
with kpis as (
    select
        *,
        lead(year) over (partition by package_id, organisation_id order by year) as next_year
    from {{ for_packages_to_compute('(' ~ selected('stg_packages__firm_kpis') ~ ')') }}
),

quarters as (
    select
        *,
        year(quarter_end) - case when month(quarter_end) = 12 then 0 else 1 end as last_year_ended
    from {{ for_packages_to_compute(ref('int_quarters_enumerated')) }}
),

-- Each year after B with figures, for every last-year-ended it is the latest year for.
comparisons as (
    select
        supported.package_id,
        supported.organisation_id,
        supported.is_sme,
        supported.first_support_date,
        year(supported.first_support_date) - 1 as base_year,
        latest.year as latest_year,
        ended.last_year_ended,
        base.employees_fte as base_employees_fte,
        latest.employees_fte as latest_employees_fte,
        base.turnover_eur as base_turnover_eur,
        latest.turnover_eur as latest_turnover_eur,
        base.value_added_eur as base_value_added_eur,
        latest.value_added_eur as latest_value_added_eur
    from {{ for_packages_to_compute(ref('int_enterprises_supported')) }} as supported
    join kpis as base
        on base.package_id = supported.package_id
        and base.organisation_id = supported.organisation_id
        and base.year = year(supported.first_support_date) - 1
    join kpis as latest
        on latest.package_id = supported.package_id
        and latest.organisation_id = supported.organisation_id
        and latest.year > base.year
    join (select distinct package_id, last_year_ended from quarters) as ended
        on ended.package_id = supported.package_id
        and ended.last_year_ended >= latest.year
        and (latest.next_year is null or latest.next_year > ended.last_year_ended)
)

select
    quarters.package_id,
    quarters.region_code,
    quarters.quarter,
    comparisons.organisation_id,
    comparisons.is_sme,
    comparisons.base_year,
    comparisons.latest_year,
    comparisons.base_employees_fte,
    comparisons.latest_employees_fte,
    comparisons.base_turnover_eur,
    comparisons.latest_turnover_eur,
    comparisons.base_value_added_eur,
    comparisons.latest_value_added_eur
from quarters
join comparisons
    on comparisons.package_id = quarters.package_id
    and comparisons.last_year_ended = quarters.last_year_ended
    and comparisons.first_support_date <= quarters.quarter_end
