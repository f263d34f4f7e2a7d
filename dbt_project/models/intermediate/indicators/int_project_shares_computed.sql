-- RES01-RES04: shares (0-100) of the projects in period that are cross-cluster, cross-sector,
-- triple-helix, interregional, from int_project_shares_listed; null without projects in period.
{{ shares_of_contributions(
    ref('int_project_shares_listed'), ['RES01', 'RES02', 'RES03', 'RES04']
) }}
