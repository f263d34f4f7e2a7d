{#-
    Indicator models incremental by package. A package's rows depend on nothing but its own
    rows and its context (its region's programme start, the suppression threshold, the code of
    the models and seeds), so they are computed once per package and context: int_packages_planned
    flags the packages to compute in this build (new ones, and those whose context changed).
    A full build (first build, or `dbt build --full-refresh`) computes every package.
-#}

{#- The rows of `relation` that this build computes: those of the packages to compute in an
    incremental build, all of them in a full build. -#}
{% macro for_packages_to_compute(relation) -%}
    {%- set planned = ref('int_packages_planned') -%}
    {%- if is_incremental() -%}
        (
            select * from {{ relation }}
            semi join (select package_id from {{ planned }} where to_compute) using (package_id)
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the incremental models: before the new rows are appended, drop the rows of the
    packages to compute and of packages no longer computed, keeping only packages whose rows
    stand as computed in the same context. -#}
{% macro delete_packages_to_compute() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where package_id not in (
            select package_id from {{ ref('int_packages_planned') }} where not to_compute
        )
    {%- endif -%}
{%- endmacro %}

{#- A fingerprint of the code of every model, seed and test: a change to any of them recomputes
    (and tests) every package. -#}
{% macro models_fingerprint() -%}
    {%- set checksums = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ('model', 'seed', 'test') -%}
                {%- do checksums.append(node.unique_id ~ ':' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- local_md5(checksums | join(',')) -}}
{%- endmacro %}
