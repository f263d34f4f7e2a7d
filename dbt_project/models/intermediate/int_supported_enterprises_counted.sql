-- RCO01 Enterprises supported (cumulative): distinct supported enterprises whose first support
-- date is on or before d; by size_class.
with supported as (
    select quarters.region_code, quarters.quarter, enterprises.organisation_id as unit_id,
        enterprises.size_class
    from {{ ref('int_quarters_enumerated') }} as quarters
    join {{ ref('int_enterprises_supported') }} as enterprises
        on enterprises.region_code = quarters.region_code
        and enterprises.first_support_date <= quarters.quarter_end
)

{{ count_by_breakdowns('supported', 'RCO01', {'size_class': 'true'}) }}
