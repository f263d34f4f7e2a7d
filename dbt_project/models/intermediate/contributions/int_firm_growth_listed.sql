-- From firm_kpis, over the enterprises supported by d with figures for their base year B and
-- latest year Y (int_firm_kpis_compared, one row per quarter): as Y only grows with d, the
-- quarters with the same B and Y are consecutive, so each enterprise and pair of years is one
-- contribution, counting from the first such quarter's last day to the day after the last's.
-- RCR01 Jobs created in supported entities (annual FTE): each adds
--       max(0, employees_fte(Y) - employees_fte(B)).
-- RCR19 Enterprises with higher turnover: turnover_eur(Y) > turnover_eur(B).
-- RCR25 SMEs with higher value added per employee: SMEs with value_added_eur / employees_fte
--       higher in Y than in B, where both years have value_added_eur and employees_fte > 0.
with compared as (
    select
        compared.package_id,
        compared.region_code,
        compared.organisation_id as unit_id,
        compared.base_year,
        compared.latest_year,
        -- As exact decimals (figures have at most 6 decimals): a sum of doubles depends on
        -- the order DuckDB adds them in, and two builds of the same data would differ.
        greatest(
            0,
            cast(compared.latest_employees_fte as decimal(18, 6))
                - cast(compared.base_employees_fte as decimal(18, 6))
        ) as jobs_created,
        compared.latest_turnover_eur > compared.base_turnover_eur as has_higher_turnover,
        compared.is_sme
            and compared.base_employees_fte > 0 and compared.latest_employees_fte > 0
            and compared.latest_value_added_eur / compared.latest_employees_fte
                > compared.base_value_added_eur / compared.base_employees_fte
            as has_higher_value_added_per_employee,
        compared.base_employees_fte,
        compared.latest_employees_fte,
        compared.base_turnover_eur,
        compared.latest_turnover_eur,
        compared.base_value_added_eur,
        compared.latest_value_added_eur,
        min(quarters.quarter_end) as counts_from,
        cast(max(quarters.quarter_end) + interval 1 day as date) as counts_until
    from {{ rows_to_compute(ref('int_firm_kpis_compared')) }} as compared
    join {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
        using (package_id, quarter)
    group by all
),

dated as (
    select
        compared.*,
        'firm_kpis' as source_table,
        latest.source_row,
        concat(
            'supported enterprise, latest year ', compared.latest_year, ' against base year ',
            compared.base_year, ' (row ', base.source_row, '): employees_fte ',
            compared.latest_employees_fte, ' against ', compared.base_employees_fte,
            ', turnover_eur ', compared.latest_turnover_eur, ' against ',
            compared.base_turnover_eur, ', value_added_eur ',
            coalesce(cast(compared.latest_value_added_eur as varchar), 'none'), ' against ',
            coalesce(cast(compared.base_value_added_eur as varchar), 'none')
        ) as fact
    from compared
    join {{ rows_to_compute(ref('stg_packages__firm_kpis')) }} as latest
        on latest.package_id = compared.package_id
        and latest.organisation_id = compared.unit_id
        and latest.year = compared.latest_year
    join {{ rows_to_compute(ref('stg_packages__firm_kpis')) }} as base
        on base.package_id = compared.package_id
        and base.organisation_id = compared.unit_id
        and base.year = compared.base_year
),

higher_turnover as (select * from dated where has_higher_turnover),

higher_value_added_per_employee as (
    select * from dated where has_higher_value_added_per_employee
)

{{ contributions_by_breakdowns('dated', 'RCR01', addend='jobs_created') }}
union all
{{ contributions_by_breakdowns('higher_turnover', 'RCR19') }}
union all
{{ contributions_by_breakdowns('higher_value_added_per_employee', 'RCR25') }}
