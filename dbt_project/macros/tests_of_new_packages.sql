{#-
    dbt hands every generic test its model through get_where_subquery. Tests of the package
    staging models check only the packages that the indicators have not been built from with
    the current code: those not in int_packages_computed as the previous build left it (staging
    tests run before it is rewritten). A package's raw rows never change once loaded, so its
    tests passed when it was first built; a refresh's tests then cost what its new packages
    cost, not the whole history. The first build and `--full-refresh` test every package, and
    so does any change of a model, seed or test (models_fingerprint).
-#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set tested = dbt.default__get_where_subquery(relation) -%}
    {%- set computed = none -%}
    {%- if execute and relation.identifier.startswith('stg_packages__') and not flags.FULL_REFRESH -%}
        {%- set computed = adapter.get_relation(
            relation.database, 'intermediate', 'int_packages_computed'
        ) -%}
    {%- endif -%}
    {%- if computed is none -%}
        {%- do return(tested) -%}
    {%- endif -%}
    {#- No alias: tests name their model's rows themselves (`from {{ model }} as referring`). -#}
    {%- set new_packages -%}
        (select * from {{ tested }} where package_id not in (
            select package_id from {{ computed }}
            where code_fingerprint = '{{ models_fingerprint() }}'
        ))
    {%- endset -%}
    {%- do return(new_packages) -%}
{%- endmacro %}
