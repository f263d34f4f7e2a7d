-- Completeness of the optional fields that carry information (spec, "Data quality"), per
-- package, table and column: of the rows the field applies to, how many have it filled.
-- Fields whose emptiness is itself meaningful (closed_on, left_on, cluster_id of a
-- participation, project_id of an outcome) are not measured. Every accepted package is
-- measured, past quarters' too, each once per code version: a package's rows never change once
-- loaded, so a refresh measures its new packages, not the history. The pre-hook
-- (dbt_project.yml) drops the rows of packages replaced since and of an older code version.
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
{%- set fingerprint = models_fingerprint() %}
{%- set packages_to_measure = to_compute_among(
    'select package_id from ' ~ ref('stg_packages__received_packages')
    ~ " where status = 'accepted'",
    'package_id not in (select package_id from ' ~ this
    ~ " where code_fingerprint = '" ~ fingerprint ~ "')"
) %}
{%- for table, column, applies in optional_fields %}
{% if not loop.first %}union all{% endif %}
select
    package_id,
    region_code,
    quarter,
    '{{ table }}' as table_name,
    '{{ column }}' as column_name,
    count(*) as rows_applicable,
    count({{ column }}) as rows_filled,
    '{{ fingerprint }}' as code_fingerprint
from {{ ref('stg_packages__' ~ table) }}
where {{ packages_to_measure }} and {{ applies }}
group by all
{%- endfor %}
