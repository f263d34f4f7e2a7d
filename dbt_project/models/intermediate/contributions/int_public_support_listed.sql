-- OUT06 Public support committed (EUR, cumulative + in-quarter): each project in period adds
-- its public_funding_eur from its start, each grant and financial_instrument service since the
-- programme start its amount_eur from the day it was delivered.
-- RCR02 Private investments matching public support (EUR, cumulative): each project in period
-- with public funding > 0 adds total_cost_eur - public_funding_eur from its start.
with commitments as (
    select
        package_id,
        region_code,
        project_id as unit_id,
        start_date as counts_from,
        cast(null as date) as counts_until,
        public_funding_eur as public_eur,
        total_cost_eur - public_funding_eur as private_eur,
        concat(
            project_type, ' project ', project_id, ' started ', start_date, ', public funding ',
            cast(public_funding_eur as decimal(18, 2)), ' EUR of a total cost of ',
            cast(total_cost_eur as decimal(18, 2)), ' EUR'
        ) as fact,
        'projects' as source_table,
        source_row
    from {{ rows_to_compute(ref('int_projects_in_period')) }}
    union all
    select
        services.package_id,
        services.region_code,
        services.service_id,
        services.delivered_on,
        null,
        coalesce(services.amount_eur, 0),
        null,
        concat(
            services.support_form, ' service ', services.service_id, ' (',
            services.service_type, ') delivered ', services.delivered_on, ', ',
            coalesce(cast(services.amount_eur as decimal(18, 2)) || ' EUR', 'no amount')
        ),
        'services',
        services.source_row
    from {{ rows_to_compute(ref('stg_packages__services')) }} as services
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
    where services.support_form in ('grant', 'financial_instrument')
        and services.delivered_on >= regions.programme_start
),

matched_projects as (
    select * from commitments where public_eur > 0 and private_eur is not null
)

{{ contributions_by_breakdowns('commitments', 'OUT06', addend='public_eur') }}
union all
{{ contributions_by_breakdowns('matched_projects', 'RCR02', addend='private_eur') }}
