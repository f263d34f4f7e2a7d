-- Completeness of the optional fields that carry information (spec, "Data quality"), per
-- region, quarter of the package, table and column: of the rows the field applies to, the
-- share where it is filled. Fields whose emptiness is itself meaningful (closed_on, left_on,
-- cluster_id of a participation, project_id of an outcome) are not measured.
{%- set optional_fields = [
    ('clusters', 's3_priority', 'true'),
    ('clusters', 'label', 'true'),
    ('organisations', 'size_class', "kind = 'enterprise'"),
    ('organisations', 'nace_code', "kind = 'enterprise'"),
    ('organisations', 'nuts_code', 'true'),
    ('organisations', 'founded_year', 'true'),
    ('participations', 'grant_eur', 'cluster_id is not null'),
    ('services', 'amount_eur', "support_form in ('grant', 'financial_instrument')"),
    ('events', 'participants_sme', 'true'),
    ('outcomes', 'quantity', 'true'),
    ('firm_kpis', 'exports_eur', 'true'),
    ('firm_kpis', 'rd_expenditure_eur', 'true'),
    ('firm_kpis', 'value_added_eur', 'true'),
] %}
{%- for table, column, applies in optional_fields %}
{% if not loop.first %}union all{% endif %}
select
    region_code,
    quarter,
    '{{ table }}' as table_name,
    '{{ column }}' as column_name,
    count(*) as rows_applicable,
    count({{ column }}) as rows_filled,
    100.0 * count({{ column }}) / count(*) as share_filled
from {{ ref('stg_packages__' ~ table) }}
where {{ applies }}
group by all
{%- endfor %}
order by region_code, quarter, table_name, column_name
