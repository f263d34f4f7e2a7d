{#-
    Generic test: none of `columns` holds a null. One scan of the model checks every column
    (a not_null test per column scans it once per column); a failure names each column with
    nulls and how many rows.
-#}
{% test not_null_columns(model, columns) %}
    select column_name, rows_null
    from (
        select
            {%- for column in columns %}
            count(*) filter (where {{ column }} is null) as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )
    unpivot (rows_null for column_name in ({{ columns | join(', ') }}))
    where rows_null > 0
{% endtest %}
