-- Rows quarantined, by region, quarter of the package, table and broken rule (a row breaking
-- two rules counts under each).
select
    region_code,
    quarter,
    table_name,
    rule,
    count(distinct source_row) as rows_quarantined
from {{ ref('stg_packages__quarantine') }}
group by all
order by region_code, quarter, table_name, rule
