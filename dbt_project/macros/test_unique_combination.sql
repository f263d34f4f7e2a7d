{#- Generic test: no two rows share the same values of `columns` (a compound key). -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}
    from {{ model }}
    group by all
    having count(*) > 1
{% endtest %}
