-- RCR03 SMEs introducing product or process innovation (cumulative): distinct supported SMEs
-- with a product_innovation or process_innovation outcome reported in period, on or after
-- their first support date.
-- RCR04 SMEs introducing marketing or organisational innovation: as RCR03 with
-- marketing_innovation or organisational_innovation.
with innovating_smes as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        outcomes.organisation_id as unit_id,
        case
            when outcomes.outcome_type in ('product_innovation', 'process_innovation')
                then 'RCR03'
            else 'RCR04'
        end as indicator_code
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_outcomes_attributable') }} as outcomes
        on outcomes.package_id = quarters.package_id
        and outcomes.reported_on <= quarters.quarter_end
    where outcomes.is_supported_sme
        and outcomes.is_attributable_through_support
        and outcomes.outcome_type in (
            'product_innovation', 'process_innovation',
            'marketing_innovation', 'organisational_innovation'
        )
),

product_or_process as (select * from innovating_smes where indicator_code = 'RCR03'),

marketing_or_organisational as (select * from innovating_smes where indicator_code = 'RCR04')

{{ aggregate_by_breakdowns('product_or_process', 'RCR03') }}
union all by name
{{ aggregate_by_breakdowns('marketing_or_organisational', 'RCR04') }}
