-- RCO01 Enterprises supported (cumulative), by size class: each supported enterprise counts
-- from its first support date, with the support that came first as its fact.
-- RCO02 Enterprises supported by grants: from its first grant support.
-- RCO04 Enterprises with non-financial support: from its first non_financial service.
with supported as (
    select *, organisation_id as unit_id, cast(null as date) as counts_until
    from {{ rows_to_compute(ref('int_enterprises_supported')) }}
),

first_supports as (
    select *, first_support_date as counts_from, first_support_fact.* from supported
),

first_grants as (
    select *, first_grant_date as counts_from, first_grant_fact.*
    from supported
    where first_grant_date is not null
),

first_non_financial_supports as (
    select *, first_non_financial_date as counts_from, first_non_financial_fact.*
    from supported
    where first_non_financial_date is not null
)

{{ contributions_by_breakdowns('first_supports', 'RCO01', {'size_class': 'true'}) }}
union all
{{ contributions_by_breakdowns('first_grants', 'RCO02') }}
union all
{{ contributions_by_breakdowns('first_non_financial_supports', 'RCO04') }}
