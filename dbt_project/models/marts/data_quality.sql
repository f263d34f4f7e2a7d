-- Data quality as indicators (spec), per region and quarter from the quarter holding the
-- programme start to the programme's current quarter (the newest quarter any region reported):
-- whether the quarter's package was received, the package in use at that quarter (the newest
-- accepted one reported by then) and how stale it is, how the quarter's package loaded, how
-- complete its optional fields are, and how many of the quarter's published values the
-- package in use revised against the previous package.
with current_quarter as (
    select max(reference_date) as reference_date
    from {{ ref('int_packages_in_scope') }}
    where in_use
),

-- Staleness as int_region_quarters_covered defines it, up to the programme's current quarter.
calendar as (
    select covered.*
    from {{ ref('int_region_quarters_covered') }} as covered
    cross join current_quarter
    where covered.quarter_end <= current_quarter.reference_date
),

accepted as (
    select region_code, quarter, package_id, reference_date
    from {{ ref('stg_packages__received_packages') }}
    where status = 'accepted'
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
    from {{ ref('int_packages_in_scope') }}
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
    calendar.package_in_use_quarter,
    calendar.package_in_use_reference_date,
    calendar.days_stale,
    calendar.stale,
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
left join loading using (region_code, quarter)
left join completeness using (region_code, quarter)
left join compared using (region_code)
left join revisions using (region_code, quarter)
order by calendar.region_code, calendar.quarter
