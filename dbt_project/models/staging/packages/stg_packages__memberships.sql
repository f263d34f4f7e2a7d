-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    cluster_id,
    organisation_id,
    cast(joined_on as date) as joined_on,
    cast(left_on as date) as left_on
from {{ source('packages', 'memberships') }}
