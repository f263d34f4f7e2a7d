{#-
    Intermediate models incremental by package: the per-package concepts (projects in period,
    supported enterprises, the firm-year panel, ...) and the indicator cells computed from them.
    A package's rows depend on nothing but its own rows and its context (its region's programme
    start, the suppression threshold, the code of the models and seeds), so they are computed
    once per package and context: int_packages_to_compute flags the packages to compute in this
    build (new ones, and those whose context changed). A full build (first build, or
    `dbt build --full-refresh`) computes every package.
-#}

{#- The condition on package_id that picks the packages this build computes: in an incremental
    build those int_packages_to_compute flags to compute, in a full build every package in scope. -#}
{% macro packages_to_compute() -%}
    {%- do return(to_compute_among(
        'select package_id from ' ~ ref('int_packages_in_scope'),
        'package_id in (select package_id from ' ~ ref('int_packages_to_compute')
        ~ ' where to_compute)'
    )) -%}
{%- endmacro %}

{#- The condition on package_id that picks, of the packages the query `candidates` returns, those
    this build computes: all of them in a full build; in an incremental build those the
    condition `pending` picks, listed as constants (package_id_in). Callers pass their refs in
    both branches' text, so dbt records them at parse time, when is_incremental() is false. -#}
{% macro to_compute_among(candidates, pending) -%}
    {%- if is_incremental() -%}
        {%- do return(package_id_in(
            'select package_id from (' ~ candidates ~ ') where ' ~ pending
        )) -%}
    {%- endif -%}
    {%- do return('package_id in (' ~ candidates ~ ')') -%}
{%- endmacro %}

{#- `package_id in (...)` listing, as constants, the packages `query` returns when the model or
    test runs. Raw rows are stored package by package, so DuckDB skips the other packages' row
    groups by their min/max statistics instead of joining every row of the history: a
    re-submission reads one package's rows, not the history's. -#}
{% macro package_id_in(query) -%}
    {%- if not execute -%}
        {%- do return('true') -%}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for package_id in run_query(query).columns[0].values() -%}
        {%- do quoted.append("'" ~ package_id | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {%- do return('package_id in (' ~ quoted | join(', ') ~ ')' if quoted else 'false') -%}
{%- endmacro %}

{#- The rows of `relation` (a staging or incremental model) that this build computes: those of
    the packages that `packages` (a condition on package_id) picks, by default the packages to
    compute. -#}
{% macro rows_to_compute(relation, packages=none) -%}
    (select * from {{ relation }} where {{ packages or packages_to_compute() }})
{%- endmacro %}

{#- Pre-hook of the incremental models: before the new rows are appended, drop the rows of the
    packages to compute and of packages no longer computed, keeping only packages whose rows
    stand as computed in the same context (and, with in_use_only, are still in use). -#}
{% macro delete_packages_to_compute(in_use_only=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where package_id not in (
            select package_id from {{ ref('int_packages_to_compute') }} where not to_compute
        )
        {%- if in_use_only %}
            or package_id not in (
                select package_id from {{ ref('int_packages_in_scope') }} where in_use
            )
        {%- endif %}
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

{#- Names of the models tagged `tag` (a folder's tag: `indicator`, `contributions`), but the
    model calling this, which reads them; a tagged model it does not depend on stops the build. -#}
{% macro tagged_models(tag) -%}
    {%- set names = [] -%}
    {%- if not execute -%}
        {%- do return(names) -%}
    {%- endif -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and tag in node.tags
            and node.unique_id != model.unique_id -%}
            {%- if node.unique_id not in model.depends_on.nodes -%}
                {{- exceptions.raise_compiler_error(
                    node.name ~ " is tagged `" ~ tag ~ "` but " ~ this.identifier ~ " does not "
                    ~ "read it: add `-- depends_on: {{ ref('" ~ node.name ~ "') }}` to "
                    ~ this.identifier ~ ".sql"
                ) -}}
            {%- endif -%}
            {%- do names.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(names) -%}
{%- endmacro %}
