-- RCR03 SMEs introducing product or process innovation (cumulative): each product_innovation
-- or process_innovation outcome of a supported SME, reported on or after its first support
-- date, counts the SME from the day it was reported (an SME counts once).
-- RCR04 SMEs introducing marketing or organisational innovation: as RCR03 with
-- marketing_innovation or organisational_innovation.
with innovations as (
    select
        package_id,
        region_code,
        organisation_id as unit_id,
        outcome_type,
        reported_on as counts_from,
        cast(null as date) as counts_until,
        concat(
            outcome_type, ' outcome ', outcome_id, ' reported ', reported_on,
            ', on or after the first support of this SME'
        ) as fact,
        'outcomes' as source_table,
        source_row
    from {{ rows_to_compute(ref('int_outcomes_attributable')) }}
    where is_supported_sme and is_attributable_through_support
),

product_or_process as (
    select * from innovations where outcome_type in ('product_innovation', 'process_innovation')
),

marketing_or_organisational as (
    select * from innovations
    where outcome_type in ('marketing_innovation', 'organisational_innovation')
)

{{ contributions_by_breakdowns('product_or_process', 'RCR03') }}
union all
{{ contributions_by_breakdowns('marketing_or_organisational', 'RCR04') }}
