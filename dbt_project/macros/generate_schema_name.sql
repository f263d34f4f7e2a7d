{#- Use the folder's schema name as is (staging, intermediate, main), not target_schema + name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
