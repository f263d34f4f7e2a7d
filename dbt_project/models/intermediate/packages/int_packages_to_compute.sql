-- Each package computed with the context its indicator rows depend on besides its own rows:
-- the region's programme start, the suppression threshold and the code of the models and
-- seeds. to_compute: the incremental models (macros/incremental_by_package.sql) compute the
-- package's rows in this build, as they hold none computed from it in this context
-- (int_packages_computed, written at the end of the previous build). A new package of a
-- region, or a re-submission, is computed; the other packages keep their rows.
{%- set computed = adapter.get_relation(this.database, this.schema, 'int_packages_computed') %}
with contexts as (
    select
        packages.package_id,
        packages.region_code,
        regions.programme_start,
        cast({{ programme_setting('suppression_threshold') }} as integer) as suppression_threshold,
        '{{ models_fingerprint() }}' as code_fingerprint
    from {{ ref('int_packages_in_scope') }} as packages
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
)

select
    contexts.*,
{%- if computed is not none and not flags.FULL_REFRESH %}
    computed.package_id is null as to_compute
from contexts
left join {{ computed }} as computed
    using (package_id, region_code, programme_start, suppression_threshold, code_fingerprint)
{%- else %}
    true as to_compute
from contexts
{%- endif %}
