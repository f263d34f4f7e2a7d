-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    outcome_id,
    organisation_id,
    project_id,
    cast(reported_on as date) as reported_on,
    outcome_type,
    cast(quantity as integer) as quantity
from {{ source('packages', 'outcomes') }}
