-- Completeness of the optional fields that carry information (spec, "Data quality"), per
-- region, quarter of the package, table and column: of the rows the field applies to, the
-- share where it is filled (measured per package in int_completeness_measured; a region has
-- one accepted package per quarter).
select
    region_code,
    quarter,
    table_name,
    column_name,
    rows_applicable,
    rows_filled,
    100.0 * rows_filled / rows_applicable as share_filled
from {{ ref('int_completeness_measured') }}
order by region_code, quarter, table_name, column_name
