-- Data quality as indicators (spec), per region and quarter from the quarter holding the
-- programme start to the programme's current quarter (the newest quarter any region reported):
-- whether the quarter's package was received, the package in use at that quarter (the newest
-- accepted one reported by then) and how stale it is, how the quarter's package loaded, how
-- complete its optional fields are, and how many of the quarter's published values the
-- package in use revised against the previous package.
with current_quarter as (
    select max(reference_date) as reference_date
    from {{ ref('int_packages_selected') }}
    where in_use
),

calendar as (
    select
        regions.region_code,
        {{ quarter_code('series.quarter_start') }} as quarter,
        cast(series.quarter_start + interval 3 month - interval 1 day as date) as quarter_end
    from {{ ref('stg_programme__regions') }} as regions
    cross join current_quarter,
        generate_series(
            date_trunc('quarter', regions.programme_start),
            date_trunc('quarter', current_quarter.reference_date),
            interval 3 month
        ) as series(quarter_start)
),

accepted as (
    select region_code, quarter, package_id, reference_date
    from {{ ref('stg_packages__received_packages') }}
    where status = 'accepted'
),

in_use_then as (
    select calendar.region_code, calendar.quarter, accepted.quarter as package_quarter,
        accepted.reference_date
    from calendar
    join accepted
        on accepted.region_code = calendar.region_code
        and accepted.reference_date <= calendar.quarter_end
    qualify row_number() over (
        partition by calendar.region_code, calendar.quarter order by accepted.reference_date desc
    ) = 1
),

loading as (
    select
        region_code,
        quarter,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined
    from {{ ref('stg_packages__received_files') }}
    semi join accepted using (package_id)
    group by all
),

completeness as (
    select region_code, quarter, 100.0 * sum(rows_filled) / sum(rows_applicable) as share_filled
    from {{ ref('data_quality_completeness') }}
    group by all
),

compared as (
    select region_code, package_quarter as previous_package_quarter
    from {{ ref('int_packages_selected') }}
    where not in_use
),

revisions as (
    select region_code, quarter, count(*) as revised_values
    from {{ ref('indicator_revisions') }}
    group by all
)

select
    calendar.region_code,
    calendar.quarter,
    accepted.package_id is not null as package_received,
    in_use_then.package_quarter as package_in_use_quarter,
    in_use_then.reference_date as package_in_use_reference_date,
    calendar.quarter_end - in_use_then.reference_date as days_stale,
    in_use_then.reference_date is distinct from calendar.quarter_end as stale,
    loading.rows_read,
    loading.rows_loaded,
    loading.rows_quarantined,
    completeness.share_filled as optional_fields_filled_share,
    -- Only quarters both the package in use and the previous package cover can be revised.
    case
        when calendar.quarter <= compared.previous_package_quarter
            then coalesce(revisions.revised_values, 0)
    end as revised_values
from calendar
left join accepted using (region_code, quarter)
left join in_use_then using (region_code, quarter)
left join loading using (region_code, quarter)
left join completeness using (region_code, quarter)
left join compared using (region_code)
left join revisions using (region_code, quarter)
order by calendar.region_code, calendar.quarter
