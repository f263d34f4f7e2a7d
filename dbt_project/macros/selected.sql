{#- Rows of a staging model that belong to a package computed (int_packages_selected). -#}
{% macro selected(staging_model) -%}
    select rows.*
    from {{ ref(staging_model) }} as rows
    semi join {{ ref('int_packages_selected') }} as packages using (package_id)
{%- endmacro %}
