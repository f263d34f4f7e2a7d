-- Every contribution of every package computed (the models tagged `contributions`) with each
-- quarter it counts in, as the indicator models count it (contributions_in_quarters): what
-- `clustermon explain` lists for a cell. A view: it stores nothing, and a query for one
-- package and quarter reads only that package's rows.
-- dbt learns a model's inputs when it parses, before it knows the tags, so each must also be
-- named below; tagged_models() stops the build, naming the model, where one is not.
-- depends_on: {{ ref('int_applications_listed') }}
-- depends_on: {{ ref('int_clusters_listed') }}
-- depends_on: {{ ref('int_cooperating_organisations_listed') }}
-- depends_on: {{ ref('int_events_listed') }}
-- depends_on: {{ ref('int_firm_growth_listed') }}
-- depends_on: {{ ref('int_innovating_smes_listed') }}
-- depends_on: {{ ref('int_labelled_clusters_listed') }}
-- depends_on: {{ ref('int_member_retention_listed') }}
-- depends_on: {{ ref('int_members_listed') }}
-- depends_on: {{ ref('int_project_shares_listed') }}
-- depends_on: {{ ref('int_projects_listed') }}
-- depends_on: {{ ref('int_public_support_listed') }}
-- depends_on: {{ ref('int_supported_enterprises_listed') }}
{{ config(materialized='view') }}
{%- set families = [] %}
{%- for model in tagged_models('contributions') %}
    {%- do families.append('select * from ' ~ ref(model)) %}
{%- endfor %}
{{ contributions_in_quarters(
    ref('int_quarters_enumerated'), '(' ~ families | join(' union all by name ') ~ ')'
) }}
