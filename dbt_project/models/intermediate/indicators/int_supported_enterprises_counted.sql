-- RCO01 Enterprises supported (cumulative): distinct supported enterprises whose first support
-- date is on or before d; by size_class.
-- RCO02 Enterprises supported by grants: those with a grant service (amount > 0) in period or
-- a programme participation with grant_eur > 0 in a project in period, by d.
-- RCO04 Enterprises with non-financial support: those with a non_financial service in period.
with supported as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        enterprises.organisation_id as unit_id,
        enterprises.size_class,
        enterprises.first_grant_date <= quarters.quarter_end as has_grant,
        enterprises.first_non_financial_date <= quarters.quarter_end as has_non_financial
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_enterprises_supported') }} as enterprises
        on enterprises.package_id = quarters.package_id
        and enterprises.first_support_date <= quarters.quarter_end
),

supported_by_grants as (select * from supported where has_grant),

supported_non_financially as (select * from supported where has_non_financial)

-- int_enterprises_supported has one row per enterprise, so a count of rows counts enterprises.
{{ aggregate_by_breakdowns('supported', 'RCO01', {'size_class': 'true'}, value='count(*)') }}
union all by name
{{ aggregate_by_breakdowns('supported_by_grants', 'RCO02', value='count(*)') }}
union all by name
{{ aggregate_by_breakdowns('supported_non_financially', 'RCO04', value='count(*)') }}
