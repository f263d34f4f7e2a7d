-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    organisation_id,
    name,
    kind,
    size_class,
    nace_code,
    country_code,
    nuts_code,
    cast(founded_year as integer) as founded_year,
    coalesce(cast(comparison_group as boolean), false) as comparison_group
from {{ source('packages', 'organisations') }}
