{#- Rows of a staging model that this build computes: those of the packages that `packages` (a
    condition on package_id) picks, by default the packages to compute
    (macros/incremental_by_package.sql). -#}
{% macro selected(staging_model, packages=none) -%}
    select * from {{ ref(staging_model) }} where {{ packages or packages_to_compute() }}
{%- endmacro %}
