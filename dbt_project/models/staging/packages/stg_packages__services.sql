-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    service_id,
    cluster_id,
    organisation_id,
    cast(delivered_on as date) as delivered_on,
    service_type,
    support_form,
    cast(amount_eur as decimal(18, 6)) as amount_eur
from {{ source('packages', 'services') }}
