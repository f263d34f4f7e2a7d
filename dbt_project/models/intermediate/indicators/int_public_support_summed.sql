-- OUT06 Public support committed (EUR, cumulative + in-quarter): public_funding_eur of projects
-- in period + amount_eur of grant and financial_instrument services in period.
-- RCR02 Private investments matching public support (EUR, cumulative):
-- sum of (total_cost_eur - public_funding_eur) over projects in period with public funding > 0.
-- Both are public spending summed over projects: never suppressed.
with commitments as (
    select package_id, project_id as unit_id, start_date as committed_on,
        public_funding_eur as public_eur, total_cost_eur - public_funding_eur as private_eur
    from {{ ref('int_projects_in_period') }}
    union all
    select services.package_id, services.service_id, services.delivered_on,
        coalesce(services.amount_eur, 0), null
    from {{ rows_to_compute(ref('stg_packages__services')) }} as services
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
    where services.support_form in ('grant', 'financial_instrument')
        and services.delivered_on >= regions.programme_start
),

committed_by_quarter as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        commitments.* exclude (package_id),
        commitments.committed_on >= quarters.in_quarter_start as is_in_quarter
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join commitments
        on commitments.package_id = quarters.package_id
        and commitments.committed_on <= quarters.quarter_end
),

matched_projects as (select * from committed_by_quarter where public_eur > 0 and private_eur is not null)

{{ aggregate_by_breakdowns(
    'committed_by_quarter', 'OUT06',
    value='sum(public_eur)',
    value_in_quarter='coalesce(sum(public_eur) filter (where is_in_quarter), 0)'
) }}
union all by name
{{ aggregate_by_breakdowns('matched_projects', 'RCR02', value='sum(private_eur)') }}
