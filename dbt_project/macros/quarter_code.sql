{#- The quarter code (`2025Q4`) of a date. -#}
{% macro quarter_code(date_expression) -%}
    (strftime({{ date_expression }}, '%Y') || 'Q' || quarter({{ date_expression }}))
{%- endmacro %}
