-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    project_id,
    lead_cluster_id,
    title,
    project_type,
    status,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    cast(total_cost_eur as decimal(18, 6)) as total_cost_eur,
    cast(public_funding_eur as decimal(18, 6)) as public_funding_eur
from {{ source('packages', 'projects') }}
