-- Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit.
select
    {{ package_lineage() }},
    organisation_id,
    cast(year as integer) as year,
    cast(employees_fte as double) as employees_fte,
    cast(turnover_eur as double) as turnover_eur,
    cast(exports_eur as double) as exports_eur,
    cast(rd_expenditure_eur as double) as rd_expenditure_eur,
    cast(value_added_eur as double) as value_added_eur
from {{ source('packages', 'firm_kpis') }}
