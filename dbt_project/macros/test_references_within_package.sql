{#-
    Generic test: every non-null value of `column_name` names a row of `to` in the same
    package (identifiers are unique within a package, not across regions).
-#}
{% test references_within_package(model, column_name, to, field) %}
    select referring.package_id, referring.{{ column_name }}
    from {{ model }} as referring
    where referring.{{ column_name }} is not null
        and not exists (
            select 1
            from {{ to }} as referred
            where referred.package_id = referring.package_id
                and referred.{{ field }} = referring.{{ column_name }}
        )
{% endtest %}
