{#- The lineage every raw package row carries: its package, region, quarter, file and row. -#}
{% macro package_lineage() -%}
    package_id, region_code, quarter, source_file, source_row
{%- endmacro %}
