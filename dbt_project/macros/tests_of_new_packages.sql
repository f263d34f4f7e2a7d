{#-
    dbt hands every generic test its model through get_where_subquery. Tests whose rows come
    from packages check only the packages that are new to this build, so a refresh's tests cost
    what its new packages cost, not the whole history:
    - tests of the package staging models upstream of int_packages_computed check the packages
      the models will be built from (macros/packages_in_scope.sql) and have not been built from
      with the current code: those not in int_packages_computed as the previous build left it
      (dbt build runs a model's tests before anything downstream of it). A package's raw rows
      never change once loaded, so its tests passed when it was first built; the packages of
      past quarters that no model reads any more are not tested again either. The other
      staging models (the load's bookkeeping, small) are tested whole, as their tests may run
      after the record is rewritten;
    - tests of the models incremental by package check the packages this build computed
      (int_packages_to_compute, built before them); the rows of the others passed their tests
      when they were computed.
    The first build and `--full-refresh` test every package, and so does any change of a
    model, seed or test (models_fingerprint).
-#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set tested = dbt.default__get_where_subquery(relation) -%}
    {%- set packages = packages_to_test(relation) if execute and not flags.FULL_REFRESH -%}
    {%- if not packages -%}
        {%- do return(tested) -%}
    {%- endif -%}
    {#- No alias: tests name their model's rows themselves (`from {{ model }} as referring`). -#}
    {%- do return('(select * from ' ~ tested ~ ' where ' ~ packages ~ ')') -%}
{%- endmacro %}

{#- The condition on package_id that picks the rows of `relation` this build tests; none when
    it tests them all. -#}
{% macro packages_to_test(relation) -%}
    {%- set model_id = 'model.' ~ project_name ~ '.' ~ relation.identifier -%}
    {%- set record_id = 'model.' ~ project_name ~ '.int_packages_computed' -%}
    {%- if relation.identifier.startswith('stg_packages__')
        and model_id in upstream_of(record_id) -%}
        {%- set computed = adapter.get_relation(
            relation.database, 'intermediate', 'int_packages_computed'
        ) -%}
        {%- if computed is not none -%}
            {%- set in_scope = packages_in_scope(
                adapter.get_relation(
                    relation.database, 'staging', 'stg_packages__received_packages'
                ),
                adapter.get_relation(relation.database, 'staging', 'stg_programme__regions'),
            ) -%}
            {%- do return(package_id_in(
                'select package_id from (' ~ in_scope ~ ') where package_id not in ('
                ~ 'select package_id from ' ~ computed
                ~ " where code_fingerprint = '" ~ models_fingerprint() ~ "')"
            )) -%}
        {%- endif -%}
    {%- elif relation.identifier in incremental_models() -%}
        {%- set to_compute = adapter.get_relation(
            relation.database, 'intermediate', 'int_packages_to_compute'
        ) -%}
        {%- if to_compute is not none -%}
            {%- do return(
                package_id_in('select package_id from ' ~ to_compute ~ ' where to_compute')
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}

{#- Names of the models incremental by package (meta incremental_by_package, dbt_project.yml). -#}
{% macro incremental_models() -%}
    {%- set names = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.config.meta.incremental_by_package -%}
            {%- do names.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(names) -%}
{%- endmacro %}

{#- Unique ids of the nodes upstream of the node `unique_id` (itself included). -#}
{% macro upstream_of(unique_id) -%}
    {%- set upstream = [unique_id] -%}
    {#- The loop also visits the parents appended while it runs. -#}
    {%- for node_id in upstream -%}
        {%- set node = graph.nodes.get(node_id) -%}
        {%- for parent in (node.depends_on.nodes if node else []) if parent not in upstream -%}
            {%- do upstream.append(parent) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do return(upstream) -%}
{%- endmacro %}
