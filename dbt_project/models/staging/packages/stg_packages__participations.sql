-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    project_id,
    organisation_id,
    role,
    cluster_id,
    cast(grant_eur as decimal(18, 6)) as grant_eur
from {{ source('packages', 'participations') }}
