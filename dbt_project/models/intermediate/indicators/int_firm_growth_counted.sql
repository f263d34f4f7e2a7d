-- From firm_kpis, over the enterprises supported by d with figures for their base year B and
-- latest year Y (int_firm_kpis_compared):
-- RCR01 Jobs created in supported entities (annual FTE): sum of
--       max(0, employees_fte(Y) - employees_fte(B)); a sum over enterprises, so it carries the
--       number of enterprises summed over for suppression.
-- RCR19 Enterprises with higher turnover: count with turnover_eur(Y) > turnover_eur(B).
-- RCR25 SMEs with higher value added per employee: SMEs with value_added_eur / employees_fte
--       higher in Y than in B, where both years have value_added_eur and employees_fte > 0.
with compared as (
    select
        package_id,
        region_code,
        quarter,
        organisation_id as unit_id,
        -- As exact decimals (figures have at most 6 decimals): a sum of doubles depends on
        -- the order DuckDB adds them in, and two builds of the same data would differ.
        greatest(
            0, cast(latest_employees_fte as decimal(18, 6)) - cast(base_employees_fte as decimal(18, 6))
        ) as jobs_created,
        latest_turnover_eur > base_turnover_eur as has_higher_turnover,
        is_sme
            and base_employees_fte > 0 and latest_employees_fte > 0
            and latest_value_added_eur / latest_employees_fte
                > base_value_added_eur / base_employees_fte as has_higher_value_added_per_employee
    from {{ rows_to_compute(ref('int_firm_kpis_compared')) }}
),

higher_turnover as (select * from compared where has_higher_turnover),

higher_value_added_per_employee as (
    select * from compared where has_higher_value_added_per_employee
)

{{ aggregate_by_breakdowns(
    'compared', 'RCR01', value='sum(jobs_created)', n_enterprises='count(distinct unit_id)'
) }}
union all by name
{{ aggregate_by_breakdowns('higher_turnover', 'RCR19') }}
union all by name
{{ aggregate_by_breakdowns('higher_value_added_per_employee', 'RCR25') }}
