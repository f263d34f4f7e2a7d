-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    cluster_id,
    name,
    nuts_code,
    sector,
    s3_priority,
    cast(founded_on as date) as founded_on,
    cast(closed_on as date) as closed_on,
    label,
    cast(label_valid_until as date) as label_valid_until,
    cast(management_fte as double) as management_fte
from {{ source('packages', 'clusters') }}
